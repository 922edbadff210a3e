// "Watch a folder"'s one decision beyond the folder itself: whether every file goes to one
// tenant, or each first-level subfolder is a client's tenant (DIR/acme/receipt.pdf goes to
// acme/…). The core decides which subfolder names can be tenants and reports the rest as
// problems; this only turns the choice into the command's argument and says when it is ready.

/** All files to the tenant typed, or one tenant per first-level subfolder. */
export type TenantChoice = 'one' | 'per-subfolder';

/** The `tenant` addWatchedFolder takes: the id typed, or null for client folders. */
export function tenantArgument(choice: TenantChoice, typed: string): string | null {
  return choice === 'per-subfolder' ? null : typed.trim();
}

/** A folder is named, and with one tenant, that tenant too. */
export function canWatch(path: string, choice: TenantChoice, typed: string): boolean {
  return path.trim() !== '' && (choice === 'per-subfolder' || typed.trim() !== '');
}
