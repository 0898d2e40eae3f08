// Shared class lists, so buttons and inputs look the same everywhere.
export const buttonPrimary =
  "inline-flex items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60";
export const buttonSecondary =
  "inline-flex items-center justify-center rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800";
export const buttonDanger =
  "inline-flex items-center justify-center rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950";
export const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950";
export const labelClass = "block text-sm font-medium";
// Error lines keep their height when empty, so a message appearing never moves the form under the pointer.
export const errorClass = "mt-1 min-h-5 text-sm text-red-600 dark:text-red-400";
export const hintClass = "mt-1 text-xs text-slate-500 dark:text-slate-400";
