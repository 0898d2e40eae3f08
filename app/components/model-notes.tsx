/** Why a chat runs differently from what its assistant says: another model, or settings left out. */
export function ModelNotes({ notes }: { notes: string[] }) {
  if (notes.length === 0) return null;
  return (
    <ul
      aria-label="About the model"
      className="space-y-1 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
    >
      {notes.map((note) => (
        <li key={note}>{note}</li>
      ))}
    </ul>
  );
}
