import { useState } from "react";

/** Copies text to the clipboard and says so for two seconds. */
export function useCopy(): [copied: boolean, copy: (text: string) => void] {
  const [copied, setCopied] = useState(false);
  const copy = (text: string) => {
    // A refused write (no permission, an insecure page) leaves the button as it was.
    navigator.clipboard
      ?.writeText(text)
      .then(() => {
        setCopied(true);
        setTimeout(() => setCopied(false), 2_000);
      })
      .catch(() => {});
  };
  return [copied, copy];
}
