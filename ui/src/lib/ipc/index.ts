// The window's one door to the core. Everything else in ui/ imports IPC from here,
// never from @tauri-apps/* or ./bindings directly (STYLE.md: only lib/ipc/ touches
// the Tauri API), so a contract change shows up as a type error in one place.
//
// Owns: unwrapping tauri-specta's Result into "return data or throw IpcFailure",
// and the native file dialogs the UI needs. Does not own: retries, caching or any
// decision about what to show; callers catch IpcFailure and render its message.

import { Channel } from '@tauri-apps/api/core';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { commands } from './bindings';
import type {
  AfterUpload,
  BatchSummary,
  Clash,
  DeleteReport,
  FileEntry_Serialize,
  Folder_Serialize,
  FolderPage_Serialize,
  FolderSummary,
  FolderTotals,
  Failed,
  KeyFailure,
  LinkRecord_Serialize,
  MoveReport,
  ObjectDetails_Serialize,
  Plan,
  PlannedUpload,
  Preview_Serialize,
  Progress,
  Report,
  Revoked,
  ShareAs,
  SharedLink_Serialize,
  SyncEvent_Serialize,
  Tally,
  TransferUpdate_Serialize,
  UploadUrl_Serialize,
  AppStatus_Serialize,
  Check_Serialize,
  Cost,
  Count,
  Findings_Serialize,
  Found_Serialize,
  LargeFile_Serialize,
  Month,
  Prices,
  TenantEntry_Serialize,
  TenantUsage_Serialize,
  UsageReport_Serialize,
  ConnectForm_Deserialize,
  ConnectionReport_Serialize,
  ConnectionStep_Serialize,
  DeepReport_Serialize,
  IpcError,
  KeychainStatus_Serialize,
  ProfileSummary_Serialize,
  SyncProblem_Serialize,
} from './bindings';

// tauri-specta describes each type twice: as Rust serializes it (what the UI receives) and as
// Rust deserializes it (what the UI may send). The UI names them by role.
export type AppStatus = AppStatus_Serialize;
export type ConnectionReport = ConnectionReport_Serialize;
export type ConnectionStep = ConnectionStep_Serialize;
export type DeepReport = DeepReport_Serialize;
export type Check = Check_Serialize;
export type KeychainStatus = KeychainStatus_Serialize;
export type ProfileSummary = ProfileSummary_Serialize;
export type ConnectForm = Required<ConnectForm_Deserialize>;
export type FolderEntry = Folder_Serialize;
export type ObjectDetails = ObjectDetails_Serialize;
export type SharedLink = SharedLink_Serialize;
export type LinkRow = LinkRecord_Serialize;
export type SyncProblem = SyncProblem_Serialize;
export type SyncUpdate = SyncEvent_Serialize;
export type UploadUrlContract = UploadUrl_Serialize;
export type DeleteOutcome = DeleteReport;
export type MoveOutcome = MoveReport;
export type RevokeOutcome = Revoked;
export type WatchedFolderRow = FolderSummary;
export type TenantEntry = TenantEntry_Serialize;
export type UsageReport = UsageReport_Serialize;
export type TenantUsage = TenantUsage_Serialize;
export type LargeFile = LargeFile_Serialize;
export type Findings = Findings_Serialize;
export type Found = Found_Serialize;
export type MigrationPlan = Plan;
export type MigrationProgress = Progress;
export type MigrationReport = Report;
export type MigrationFailure = Failed;
export type { Tally };
export type { AfterUpload, BatchSummary, Clash, Cost, Count, KeyFailure, Month, PlannedUpload, Prices, ShareAs };
export type { Category, CheckId, EndpointChecks, Hint, IpcError, ProfileKind, StepId, StepStatus, Verdict } from './bindings';
export type { Direction as TransferDirection } from './bindings';

/** An upload URL as issued, with the seed's JSON contract as the mobile app receives it. */
export type UploadUrlReply = {
  id: number;
  url: string;
  object_key: string;
  expires_at: string;
  public_url: string | null;
  /** The seed backend's generate-url response, pretty-printed. */
  json: string;
};

export type FileEntry = FileEntry_Serialize;
export type ListPage = FolderPage_Serialize;
/** An object's preview; `data_url` is null when it is too large or not an image. */
export type Preview = Preview_Serialize;
export type TransferUpdate = TransferUpdate_Serialize;
type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

/** A command the core refused: `code` is the stable wire code, `message` is for people. */
export class IpcFailure extends Error {
  readonly code: string;

  constructor(error: unknown) {
    const { code, message } = toIpcError(error);
    super(message);
    this.name = 'IpcFailure';
    this.code = code;
  }
}

// The core always sends {code, message}; Tauri itself rejects with a bare string
// (e.g. "command foo not found") when the two sides disagree, so accept that too.
function toIpcError(error: unknown): IpcError {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as Partial<IpcError>;
    if (typeof message === 'string') {
      return { code: typeof code === 'string' ? code : 'unknown', message };
    }
  }
  if (typeof error === 'string' && error.length > 0) return { code: 'ipc', message: error };
  return { code: 'unknown', message: 'Cubby’s core returned an error without a message.' };
}

function unwrap<T>(result: Result<T, IpcError>): T {
  if (result.status === 'ok') return result.data;
  throw new IpcFailure(result.error);
}

/** Readable text for anything a command may throw (IpcFailure, or a plain Error from Tauri). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'Something went wrong talking to Cubby’s core.';
}

export async function appStatus(): Promise<AppStatus> {
  return unwrap(await commands.appStatus());
}

/** How fast the window became useful (see src-tauri's report_startup); never throws. */
export async function reportStartup(interactiveMs: number, firstRowsMs: number | null, rows: number): Promise<void> {
  try {
    unwrap(await commands.reportStartup({ interactive_ms: interactiveMs, first_rows_ms: firstRowsMs, rows }));
  } catch {
    // Timings are a diagnostic: losing one must never disturb the window.
  }
}

/** Runs every connection check without saving anything. */
export async function testConnection(form: ConnectForm): Promise<ConnectionReport> {
  return unwrap(await commands.testConnection(form));
}

/**
 * Tests, and saves the profile as the default if the report is ok, or whatever it says when
 * `anyway` (a new R2 token can take a minute to start working).
 */
export async function connect(form: ConnectForm, anyway = false): Promise<ConnectionReport> {
  return unwrap(await commands.connect(form, anyway));
}

/** Reads a .env file into a new profile; its secret goes to the keychain, never back here. */
export async function importEnv(path: string, name: string | null): Promise<ProfileSummary> {
  return unwrap(await commands.importEnv(path, name));
}

export async function testProfile(name: string): Promise<ConnectionReport> {
  return unwrap(await commands.testProfile(name));
}

/**
 * "Check everything": runs every S3 operation Cubby relies on in a scratch area of the saved
 * profile's bucket (about 10 MiB written, then removed; several seconds on a real network). The
 * core remembers what the endpoint honours in the profile; the report is for showing.
 */
export async function checkProfile(name: string): Promise<DeepReport> {
  return unwrap(await commands.checkProfile(name));
}

/** Makes `name` the default profile. */
export async function useProfile(name: string): Promise<ProfileSummary> {
  return unwrap(await commands.useProfile(name));
}

/** Starts the embedded local S3 sandbox and makes it the default profile. */
export async function useSandbox(seedDemo: boolean): Promise<ProfileSummary> {
  return unwrap(await commands.useSandbox(seedDemo));
}

export async function removeProfile(name: string): Promise<void> {
  unwrap(await commands.removeProfile(name));
}

// The native dialogs are opened by the core's shell, not by the page: only what the user
// picks there (or drops onto the window) may be named in later commands.

/**
 * Asks the user for a .env file with the native dialog.
 * Returns its path, or null when the dialog was cancelled.
 */
export async function pickEnvFile(): Promise<string | null> {
  return unwrap(await commands.pickEnvFile());
}

// ---- Browsing -------------------------------------------------------------------------------

export async function listTenants(): Promise<string[]> {
  return unwrap(await commands.listTenants());
}

/**
 * Every tenant with the name people know it by, those added before their first file included,
 * in the order the core sorts them. What the window shows; `listTenants` is the bare folders.
 */
export async function tenantDirectory(): Promise<TenantEntry[]> {
  return unwrap(await commands.tenantDirectory());
}

/** Adds a tenant before its first file; the core checks the id and says why it refuses one. */
export async function addTenant(id: string, name: string | null): Promise<TenantEntry[]> {
  return unwrap(await commands.addTenant(id, name));
}

/** Names a tenant; an empty name clears it, so the id shows again. */
export async function renameTenant(id: string, name: string): Promise<TenantEntry[]> {
  return unwrap(await commands.renameTenant(id, name));
}

/** documents, images and uploads always come first, then any other folders. */
export async function tenantFolders(tenant: string): Promise<FolderEntry[]> {
  return unwrap(await commands.tenantFolders(tenant));
}

/**
 * Lists one folder level; `onPage` gets each page as it arrives (the first rows show before the
 * listing ends). Resolves with the totals once the last page was delivered.
 */
export async function listFolder(prefix: string, onPage: (page: ListPage) => void): Promise<FolderTotals> {
  const channel = new Channel<FolderPage_Serialize>();
  channel.onmessage = onPage;
  return unwrap(await commands.listFolder(prefix, channel as never));
}

export async function stat(key: string): Promise<ObjectDetails> {
  return unwrap(await commands.stat(key));
}

export async function deleteObjects(keys: string[]): Promise<DeleteOutcome> {
  return unwrap(await commands.deleteObjects(keys));
}

/**
 * Renames an object within its folder and returns its new key. A key in Cubby's scheme keeps its
 * stamp; only the human name changes, sanitized by the core.
 */
export async function renameObject(key: string, newName: string): Promise<string> {
  return unwrap(await commands.renameObject(key, newName));
}

/**
 * Moves objects into `folder` ("acme/images/"). Unless `crossTenant`, the core refuses the whole
 * batch when any key would leave its tenant, so the caller must have asked the user first.
 */
export async function moveObjects(keys: string[], folder: string, crossTenant: boolean): Promise<MoveOutcome> {
  return unwrap(await commands.moveObjects(keys, folder, crossTenant));
}

/** The objects' permanent public URLs; throws when the profile has no public URL. */
export async function publicUrls(keys: string[]): Promise<string[]> {
  return unwrap(await commands.publicUrls(keys));
}

/** Copies the object into Cubby's folder for opened files and opens it in the default app. */
export async function openObject(key: string): Promise<string> {
  return unwrap(await commands.openObject(key));
}

export async function previewObject(key: string): Promise<Preview> {
  return unwrap(await commands.previewObject(key));
}

// ---- Usage and search -----------------------------------------------------------------------

/**
 * The last usage report made for the bucket (`tenant` null) or one tenant, costed for
 * `downloadGb` a month; null when none was made yet. Instant: nothing is listed.
 */
export async function cachedUsage(tenant: string | null, downloadGb: number): Promise<UsageReport | null> {
  return unwrap(await commands.cachedUsage(tenant, downloadGb));
}

/** Lists the bucket (or one tenant) whole and sums it up: seconds on 100,000 objects. */
export async function usageReport(tenant: string | null, downloadGb: number): Promise<UsageReport> {
  return unwrap(await commands.usageReport(tenant, downloadGb));
}

/** The price table the cost estimate uses. */
export async function getPrices(): Promise<Prices> {
  return unwrap(await commands.getPrices());
}

/** Saves an edited price table; the core refuses a negative or missing figure. */
export async function setPrices(prices: Prices): Promise<Prices> {
  return unwrap(await commands.setPrices(prices));
}

/**
 * Files whose name contains `text`, from the names listings have seen; `refresh` lists the bucket
 * (or `tenant`) whole first, which takes as long as a usage report.
 */
export async function findFiles(text: string, tenant: string | null, refresh: boolean): Promise<Findings> {
  return unwrap(await commands.findFiles(text, tenant, refresh));
}

// ---- Migration from S3 ---------------------------------------------------------------------

/**
 * What copying `from`'s bucket into `to`'s (profile names) would do, objects under `prefix` only
 * ("" for all): what is to copy, what is already there, the keys where a different object is in
 * the way, and an estimated time. Lists both buckets whole, so it takes seconds on a big one.
 */
export async function migrationPlan(from: string, to: string, prefix: string, overwrite: boolean): Promise<MigrationPlan> {
  return unwrap(await commands.migrationPlan(from, to, prefix, overwrite));
}

/**
 * Copies `from`'s bucket into `to`'s under the same keys, each object verified; `onProgress` hears
 * at most five times a second, and always at the end. Resumable: a run stopped part way starts
 * again where it left off. `overwrite` replaces the objects the plan listed as conflicts.
 */
export async function runMigration(
  from: string,
  to: string,
  prefix: string,
  overwrite: boolean,
  onProgress: (progress: MigrationProgress) => void,
): Promise<MigrationReport> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return unwrap(await commands.runMigration(from, to, prefix, overwrite, channel));
}

/**
 * Stops the running migration: no object starts after this, those being copied finish, and the
 * run resolves with a report that counts the rest as not started (a run again copies them).
 * False when no run was going, or its core had not started it yet.
 */
export async function cancelMigration(): Promise<boolean> {
  return unwrap(await commands.cancelMigration());
}

// ---- Transfers ------------------------------------------------------------------------------

/** Where each file would go ("auto" routes by content), before anything is uploaded. */
export async function planUpload(paths: string[], tenant: string, category: string): Promise<PlannedUpload[]> {
  return unwrap(await commands.planUpload(paths, tenant, category));
}

function transferChannel(onEvent: (update: TransferUpdate) => void): Channel<TransferUpdate_Serialize> {
  const channel = new Channel<TransferUpdate_Serialize>();
  channel.onmessage = onEvent;
  return channel;
}

export async function uploadFiles(
  paths: string[],
  tenant: string,
  category: string,
  onEvent: (update: TransferUpdate) => void,
): Promise<BatchSummary> {
  return unwrap(await commands.uploadFiles(paths, tenant, category, transferChannel(onEvent) as never));
}

/** The files already in `dir` that a download of `keys` would meet, asked before it starts. */
export async function downloadClashes(keys: string[], dir: string): Promise<Clash[]> {
  return unwrap(await commands.downloadClashes(keys, dir));
}

/** `replace` overwrites a local file of the same name; otherwise the core saves a " (1)" copy. */
export async function downloadObjects(
  keys: string[],
  dir: string,
  replace: boolean,
  onEvent: (update: TransferUpdate) => void,
): Promise<BatchSummary> {
  return unwrap(await commands.downloadObjects(keys, dir, replace, transferChannel(onEvent) as never));
}

export async function cancelTransfer(batch: number): Promise<boolean> {
  return unwrap(await commands.cancelTransfer(batch));
}

/** The native multi-file picker; [] when cancelled. */
export async function pickFiles(): Promise<string[]> {
  return unwrap(await commands.pickFiles());
}

/** The native folder picker for downloads; null when cancelled. */
export async function pickFolder(): Promise<string | null> {
  return unwrap(await commands.pickFolder('download'));
}

/** `position` is in CSS pixels of the window, where the files were let go. */
export type DropState =
  | { kind: 'over' }
  | { kind: 'leave' }
  | { kind: 'drop'; paths: string[]; position: { x: number; y: number } | null };

/** Files dragged from the OS onto the window. Returns the unsubscribe function. */
export async function onFileDrop(handler: (state: DropState) => void): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === 'enter' || payload.type === 'over') handler({ kind: 'over' });
    else if (payload.type === 'leave') handler({ kind: 'leave' });
    else if (payload.type === 'drop') {
      // Tauri reports physical pixels; the page lays out in CSS pixels.
      const ratio = window.devicePixelRatio || 1;
      const position = payload.position ? { x: payload.position.x / ratio, y: payload.position.y / ratio } : null;
      handler({ kind: 'drop', paths: payload.paths, position });
    }
  });
}

// ---- Sharing --------------------------------------------------------------------------------

/** A share link; `downloadName` makes browsers save the file under that name. */
export async function shareLink(key: string, expiresSecs: number, downloadName: string | null, note: string | null = null): Promise<SharedLink> {
  const shareAs: ShareAs = downloadName ? { kind: 'download_as', name: downloadName } : { kind: 'download' };
  return unwrap(await commands.shareLink(key, expiresSecs, shareAs, note));
}

export async function contentTypeFor(fileName: string): Promise<string> {
  return commands.contentTypeFor(fileName);
}

export async function uploadUrl(
  tenant: string,
  fileName: string,
  contentType: string,
  category: string,
  expiresSecs: number,
  note: string | null = null,
): Promise<UploadUrlReply> {
  const form = { tenant, file_name: fileName, content_type: contentType, category, expires_secs: expiresSecs, note };
  const issued = unwrap(await commands.uploadUrl(form));
  const { response } = issued;
  return {
    id: issued.id,
    url: response.upload_url,
    object_key: response.object_key,
    expires_at: response.expires_at,
    public_url: response.public_url,
    json: JSON.stringify(response, null, 2),
  };
}

export async function listLinks(which: 'all' | 'active' | 'expired', tenant: string | null = null): Promise<LinkRow[]> {
  return unwrap(await commands.listLinks(which, tenant));
}

export async function revokeLink(id: number): Promise<RevokeOutcome> {
  return unwrap(await commands.revokeLink(id));
}

/** The system clipboard; the webview's own API, so no extra plugin or permission. */
export async function copyText(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}

/**
 * Copies text the core is still making (a link being signed). WebKit lets a page write to the
 * clipboard only during the click that asked for it, so the write starts at once with a promise
 * of the text; where that is not supported it waits for the text and writes it then. Throws the
 * text's own failure first, so the caller can say why there is no link.
 */
export async function copyTextSoon(text: Promise<string>): Promise<void> {
  let written: Promise<void> | null = null;
  if (typeof ClipboardItem !== 'undefined' && typeof navigator.clipboard?.write === 'function') {
    try {
      const blob = text.then((value) => new Blob([value], { type: 'text/plain' }));
      written = navigator.clipboard.write([new ClipboardItem({ 'text/plain': blob })]);
      // Its rejection is awaited below, or superseded by the text's.
      written.catch(() => undefined);
    } catch {
      written = null;
    }
  }
  const value = await text;
  if (written !== null) {
    try {
      await written;
      return;
    } catch {
      // Fall through to the plain write.
    }
  }
  await navigator.clipboard.writeText(value);
}

// ---- Watched folders ------------------------------------------------------------------------

/** Subscribes to the sync engine's live events for as long as the window lives. */
export async function watchEvents(onEvent: (update: SyncUpdate) => void): Promise<void> {
  const channel = new Channel<SyncEvent_Serialize>();
  channel.onmessage = onEvent;
  unwrap(await commands.watchEvents(channel as never));
}

/** The active profile's watched folders with their counts. */
export async function watchedFolders(): Promise<WatchedFolderRow[]> {
  return unwrap(await commands.watchedFolders());
}

/**
 * Starts watching a folder; category is auto/documents/images/uploads, afterUpload keep/move/delete.
 * `tenant` null makes it a folder of client folders: each first-level subfolder is a tenant
 * (DIR/acme/receipt.pdf goes to acme/…), and a file outside one, or in a subfolder whose name is
 * not a tenant ID, is a problem, never an upload.
 */
export async function addWatchedFolder(path: string, tenant: string | null, category: string, afterUpload: AfterUpload): Promise<WatchedFolderRow> {
  return unwrap(await commands.addWatchedFolder(path, tenant, category, afterUpload));
}

/** Stops watching; nothing local or in the bucket is deleted. */
export async function removeWatchedFolder(path: string): Promise<void> {
  unwrap(await commands.removeWatchedFolder(path));
}

export async function pauseWatchedFolder(path: string, paused: boolean): Promise<void> {
  unwrap(await commands.pauseWatchedFolder(path, paused));
}

export async function syncProblems(path: string): Promise<SyncProblem[]> {
  return unwrap(await commands.syncProblems(path));
}

/** Pauses or resumes every watched folder at once; each folder keeps its own paused flag. */
export async function setSyncPaused(paused: boolean): Promise<void> {
  unwrap(await commands.setSyncPaused(paused));
}

export async function syncPaused(): Promise<boolean> {
  return unwrap(await commands.syncPaused());
}

/** The native folder picker for a watched folder; null when cancelled. */
export async function pickWatchedFolder(): Promise<string | null> {
  return unwrap(await commands.pickFolder('watch'));
}
