// Who is signed in, and what their role lets them do (admin > manager > viewer).
import type { Role, User } from "./api";

let currentUser: User | null = null;

export function setUser(user: User | null): void {
  currentUser = user;
}

export function user(): User | null {
  return currentUser;
}

const RANK: Record<Role, number> = { viewer: 0, manager: 1, admin: 2 };

function atLeast(role: Role): boolean {
  return currentUser !== null && RANK[currentUser.role] >= RANK[role];
}

/** Managers and admins change campaigns, trunks, prompts, call scripts, lists and caller-ID pools, and manage webhooks. */
export const canWrite = (): boolean => atLeast("manager");
/** Only admins manage users. */
export const isAdmin = (): boolean => atLeast("admin");
