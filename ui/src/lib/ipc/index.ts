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
  BatchSummary,
  DeleteOutcome,
  FileEntry_Serialize,
  FolderEntry_Serialize,
  FolderTotals,
  KeyFailure,
  LinkRow_Serialize,
  ListPage_Serialize,
  MoveOutcome,
  ObjectDetails_Serialize,
  PlannedUpload,
  Preview_Serialize,
  RevokeOutcome,
  SharedLink_Serialize,
  TransferUpdate_Serialize,
  UploadUrlReply_Serialize,
  AppStatus_Serialize,
  ConnectForm_Deserialize,
  ConnectionReport_Serialize,
  ConnectionStep_Serialize,
  IpcError,
  KeychainStatus_Serialize,
  ProfileSummary_Serialize,
  SyncProblem_Serialize,
  SyncUpdate_Serialize,
  WatchedFolderRow,
} from './bindings';

// tauri-specta describes each type twice: as Rust serializes it (what the UI receives) and as
// Rust deserializes it (what the UI may send). The UI names them by role.
export type AppStatus = AppStatus_Serialize;
export type ConnectionReport = ConnectionReport_Serialize;
export type ConnectionStep = ConnectionStep_Serialize;
export type KeychainStatus = KeychainStatus_Serialize;
export type ProfileSummary = ProfileSummary_Serialize;
export type ConnectForm = Required<ConnectForm_Deserialize>;
export type FolderEntry = FolderEntry_Serialize;
export type ObjectDetails = ObjectDetails_Serialize;
export type SharedLink = SharedLink_Serialize;
export type UploadUrlReply = UploadUrlReply_Serialize;
export type LinkRow = LinkRow_Serialize;
export type SyncProblem = SyncProblem_Serialize;
export type SyncUpdate = SyncUpdate_Serialize;
export type { BatchSummary, DeleteOutcome, KeyFailure, MoveOutcome, PlannedUpload, RevokeOutcome, WatchedFolderRow };
export type { IpcError, ProfileKind, StepId, StepStatus, TransferDirection } from './bindings';

/** A file row. Sizes cross IPC as f64, which serde may write as null; here they are numbers. */
export type FileEntry = Omit<FileEntry_Serialize, 'size'> & { size: number };
export type ListPage = { folders: FolderEntry[]; files: FileEntry[] };
/** An object's preview; `data_url` is null when it is too large or not an image or PDF. */
export type Preview = Omit<Preview_Serialize, 'size'> & { size: number };
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

/** Tests, and only if the report is ok saves the profile and makes it the default. */
export async function connect(form: ConnectForm): Promise<ConnectionReport> {
  return unwrap(await commands.connect(form));
}

/** Reads a .env file into a new profile; its secret goes to the keychain, never back here. */
export async function importEnv(path: string, name: string | null): Promise<ProfileSummary> {
  return unwrap(await commands.importEnv(path, name));
}

export async function testProfile(name: string): Promise<ConnectionReport> {
  return unwrap(await commands.testProfile(name));
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

/** documents, images and uploads always come first, then any other folders. */
export async function tenantFolders(tenant: string): Promise<FolderEntry[]> {
  return unwrap(await commands.tenantFolders(tenant));
}

/**
 * Lists one folder level; `onPage` gets each page as it arrives (the first rows show before the
 * listing ends). Resolves with the totals once the last page was delivered.
 */
export async function listFolder(prefix: string, onPage: (page: ListPage) => void): Promise<FolderTotals> {
  const channel = new Channel<ListPage_Serialize>();
  channel.onmessage = (page) => {
    onPage({ folders: page.folders, files: page.files.map((f) => ({ ...f, size: f.size ?? 0 })) });
  };
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
  const preview = unwrap(await commands.previewObject(key));
  return { ...preview, size: preview.size ?? 0 };
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

export async function downloadObjects(keys: string[], dir: string, onEvent: (update: TransferUpdate) => void): Promise<BatchSummary> {
  return unwrap(await commands.downloadObjects(keys, dir, transferChannel(onEvent) as never));
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

export async function shareLink(key: string, expiresSecs: number, downloadName: string | null, note: string | null = null): Promise<SharedLink> {
  return unwrap(await commands.shareLink(key, expiresSecs, downloadName, note));
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
  return unwrap(await commands.uploadUrl(tenant, fileName, contentType, category, expiresSecs, note));
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

// ---- Watched folders ------------------------------------------------------------------------

/** Subscribes to the sync engine's live events for as long as the window lives. */
export async function watchEvents(onEvent: (update: SyncUpdate) => void): Promise<void> {
  const channel = new Channel<SyncUpdate_Serialize>();
  channel.onmessage = onEvent;
  unwrap(await commands.watchEvents(channel as never));
}

/** The active profile's watched folders with their counts. */
export async function watchedFolders(): Promise<WatchedFolderRow[]> {
  return unwrap(await commands.watchedFolders());
}

/** Starts watching a folder; category is auto/documents/images/uploads, afterUpload keep/move/delete. */
export async function addWatchedFolder(path: string, tenant: string, category: string, afterUpload: string): Promise<WatchedFolderRow> {
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
