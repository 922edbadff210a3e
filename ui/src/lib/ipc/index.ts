// The window's one door to the core. Everything else in ui/ imports IPC from here,
// never from @tauri-apps/* or ./bindings directly (STYLE.md: only lib/ipc/ touches
// the Tauri API), so a contract change shows up as a type error in one place.
//
// Owns: unwrapping tauri-specta's Result into "return data or throw IpcFailure",
// and the native file dialogs the UI needs. Does not own: retries, caching or any
// decision about what to show; callers catch IpcFailure and render its message.

import { open } from '@tauri-apps/plugin-dialog';
import { commands } from './bindings';
import type {
  AppStatus_Serialize,
  ConnectForm_Deserialize,
  ConnectionReport_Serialize,
  ConnectionStep_Serialize,
  IpcError,
  KeychainStatus_Serialize,
  ProfileSummary_Serialize,
} from './bindings';

// tauri-specta describes each type twice: as Rust serializes it (what the UI receives) and as
// Rust deserializes it (what the UI may send). The UI names them by role.
export type AppStatus = AppStatus_Serialize;
export type ConnectionReport = ConnectionReport_Serialize;
export type ConnectionStep = ConnectionStep_Serialize;
export type KeychainStatus = KeychainStatus_Serialize;
export type ProfileSummary = ProfileSummary_Serialize;
export type ConnectForm = Required<ConnectForm_Deserialize>;
export type { IpcError, ProfileKind, StepId, StepStatus } from './bindings';
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

/**
 * Asks the user for a .env file with the native dialog.
 * Returns its path, or null when the dialog was cancelled.
 */
export async function pickEnvFile(): Promise<string | null> {
  const picked = await open({
    title: 'Import connection from a .env file',
    multiple: false,
    directory: false,
    filters: [
      { name: 'Environment files', extensions: ['env'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return typeof picked === 'string' ? picked : null;
}
