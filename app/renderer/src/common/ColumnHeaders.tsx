// A table's head: one column header per column, in order.

/** A column's title, or its title with a longer explanation shown on hover. */
export type Column = string | { title: string; hint: string };

export function ColumnHeaders({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => {
          const { title, hint } = typeof column === 'string' ? { title: column } : column;
          return (
            <th key={title} scope="col" title={hint}>
              {title}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
