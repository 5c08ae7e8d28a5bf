// Fixed-height row virtualization: only the rows in view (plus a margin) are rendered, so a list
// of thousands stays as cheap as a list of forty. The list re-renders when the first row in view
// changes, not on every scroll event, and `slot` lets it reuse the elements of the rows that left
// the view for those that came in (keyed by slot, a scroll step updates a few rows' text instead
// of removing and creating their elements), and `inSlotOrder` keeps each element in its place
// among its siblings (a list in row order would move half its elements at every step, and a
// moved element is styled and laid out anew). While the list moves by more than the margin a step
// (a fling, a drag of the scroll bar), the margin's rows are mostly out of view by the next
// frame: such steps render the rows in view alone, and the margin comes back once steps are
// short again or the list is still.
import { useLayoutEffect, useState, type RefObject } from 'react';

const OVERSCAN = 8;
/** Steps of at most this many rows bring the margin back (not OVERSCAN: no flapping at 8-9). */
const SHORT_STEP = OVERSCAN / 2;
const STILL_MS = 150;

interface View {
  topRow: number;
  overscan: number;
}

export function useVirtualRows(
  container: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
) {
  const [{ topRow, overscan }, setView] = useState<View>({ topRow: 0, overscan: OVERSCAN });
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = container.current;
    if (!el) return;
    // The margin comes back once the list has been still for a moment.
    let still: ReturnType<typeof setTimeout> | undefined;
    const restoreMargin = () =>
      setView((view) => (view.overscan === OVERSCAN ? view : { ...view, overscan: OVERSCAN }));
    const onScroll = () => {
      clearTimeout(still);
      still = setTimeout(restoreMargin, STILL_MS);
      const top = Math.floor(el.scrollTop / rowHeight);
      setView((view) => {
        if (view.topRow === top) return view;
        const step = Math.abs(top - view.topRow);
        const margin = step > OVERSCAN ? 0 : step <= SHORT_STEP ? OVERSCAN : view.overscan;
        return { topRow: top, overscan: margin };
      });
    };
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', onScroll);
      clearTimeout(still);
    };
  }, [container, rowHeight]);

  const first = Math.max(0, topRow - overscan);
  const last = Math.min(count, topRow + Math.ceil(height / rowHeight) + 1 + overscan);

  /** Scrolls the least needed to show row `index`. */
  const scrollToRow = (index: number) => {
    if (container.current) scrollIntoRange(container.current, index * rowHeight, rowHeight);
  };

  // As many slots as rows rendered: rows that leave the view hand their slots, and so their
  // elements, to exactly the rows that come in (more slots than rows would leave some rows
  // coming in without a slot to take over, to be created while others are removed). The margin
  // changes the count, and so the keys, once per change of pace, not per step.
  const slots = Math.ceil(height / rowHeight) + 1 + 2 * overscan;
  const slot = (index: number) => index % slots;

  return {
    first,
    last,
    totalHeight: count * rowHeight,
    scrollToRow,
    slot,
    /** The rows to render (first to last), in the order to render them: by slot. */
    slotOrder: inSlotOrder(first, last, slots),
  };
}

/**
 * Rows `first` to `last` (exclusive, at most `slots` of them) ordered by slot (`index % slots`):
 * the row holding slot 0, the rows after it, then the rows before it. A step of the list then
 * changes the rows in some slots, never the slots' order, so their elements stay where they are.
 */
export function inSlotOrder(first: number, last: number, slots: number): number[] {
  const count = Math.max(0, last - first);
  if (count > slots) throw new RangeError(`${count} rows for ${slots} slots`);
  const firstSlotZero = first + ((slots - (first % slots)) % slots);
  const order: number[] = [];
  for (let index = firstSlotZero; index < last; index++) order.push(index);
  for (let index = first; index < Math.min(firstSlotZero, last); index++) order.push(index);
  return order;
}

function scrollIntoRange(el: HTMLElement, top: number, height: number): void {
  if (top < el.scrollTop) el.scrollTop = top;
  else if (top + height > el.scrollTop + el.clientHeight)
    el.scrollTop = top + height - el.clientHeight;
}
