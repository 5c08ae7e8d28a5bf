// What a console view shows about its connection, in plain words.

export type ConsolePhase =
  | { phase: 'connecting' }
  | { phase: 'open' }
  | { phase: 'password' }
  | { phase: 'closed'; reason: string | null }
  | { phase: 'failed'; reason: string };

export function statusText(state: ConsolePhase, title: string): string {
  switch (state.phase) {
    case 'connecting':
      return `Connecting to ${title}…`;
    case 'open':
      return `Connected to ${title}.`;
    case 'password':
      return `${title} asks for its VNC password.`;
    case 'closed':
      return state.reason ?? `${title} was closed.`;
    case 'failed':
      return `Cannot open ${title}: ${state.reason}`;
  }
}

export const isEnded = (state: ConsolePhase) =>
  state.phase === 'closed' || state.phase === 'failed';
