// A render error stays inside the part of the window that failed: that part says what went wrong
// and offers to try again, while the rest (the fleet tree, the task pane) keeps working. Without
// it React unmounts the whole tree and the operator is left with a blank page.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What failed, for the message: "This screen", "ConVirt". */
  what: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // The console keeps the component stack for whoever files the bug.
    console.error(`${this.props.what} failed to render`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="render-error" role="alert" aria-labelledby="render-error-title">
        <h2 id="render-error-title">{this.props.what} hit an error</h2>
        <p>
          Something ConVirt received could not be shown. Other screens still work; the details are
          in the developer console.
        </p>
        <pre>{error.message}</pre>
        <div className="actions">
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          {/* Fetches everything again: what failed to render may be data kept since. */}
          <button type="button" onClick={() => globalThis.location.reload()}>
            Reload window
          </button>
        </div>
      </section>
    );
  }
}
