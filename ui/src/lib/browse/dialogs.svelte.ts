// Which dialog or menu the main window shows, and for what: one at a time, since each is modal
// and opening one from another (Share from Preview) replaces it. The upload plan is apart: a
// drop can arrive while another dialog is up, and the plan then stacks on top instead of
// throwing away what the person was typing. What a dialog does once it is open is its own.
// The download clash question is asked by a batch that waits for the answer, so it is settled
// however it goes away: answered, cancelled, or replaced by another dialog (as cancelled).

import type { FileEntry, ProfileSummary, TenantEntry } from '../ipc';
import type { ClashChoice, ClashQuestion } from './clashes';

export type Dialog =
  | { kind: 'menu'; x: number; y: number }
  | { kind: 'share'; file: FileEntry }
  | { kind: 'properties'; file: FileEntry }
  | { kind: 'rename'; file: FileEntry }
  | { kind: 'move'; files: FileEntry[] }
  | { kind: 'preview'; file: FileEntry }
  | { kind: 'delete'; files: FileEntry[] }
  | { kind: 'upload-url'; tenant: string }
  | { kind: 'add-folder' }
  | { kind: 'tenant-menu'; tenant: string; x: number; y: number }
  | { kind: 'rename-tenant'; tenant: TenantEntry }
  | { kind: 'add-tenant' }
  | { kind: 'remove-profile'; profile: ProfileSummary }
  | { kind: 'check-connection'; profile: ProfileSummary }
  | { kind: 'clash'; question: ClashQuestion };

/** Files about to be uploaded, shown with where each will land before anything starts. */
export type UploadPlan = { paths: string[]; tenant: string; category: string };

export class Dialogs {
  showing = $state.raw<Dialog | null>(null);
  plan = $state.raw<UploadPlan | null>(null);
  #answer: ((choice: ClashChoice | null) => void) | null = null;

  /** Something has the keyboard, so the window's own shortcuts stay quiet. */
  get open(): boolean {
    return this.showing !== null || this.plan !== null;
  }

  get menuOpen(): boolean {
    return this.showing?.kind === 'menu';
  }

  show(dialog: Dialog): void {
    this.#settle(null);
    this.showing = dialog;
  }

  close(): void {
    this.#settle(null);
    this.showing = null;
  }

  /** Shows the clash question; resolves with the answer, or null when it went unanswered. */
  askClash(question: ClashQuestion): Promise<ClashChoice | null> {
    this.show({ kind: 'clash', question });
    return new Promise((resolve) => (this.#answer = resolve));
  }

  /** The person answered the clash question (null: cancelled); it closes. */
  answerClash(choice: ClashChoice | null): void {
    // A late click must not close whatever dialog replaced the question.
    if (this.showing?.kind !== 'clash') return;
    this.#settle(choice);
    this.showing = null;
  }

  #settle(choice: ClashChoice | null): void {
    const answer = this.#answer;
    this.#answer = null;
    answer?.(choice);
  }

  showPlan(plan: UploadPlan): void {
    this.plan = plan;
  }

  closePlan(): void {
    this.plan = null;
  }
}
