import { useCallback, useEffect, useState } from "react";
import { readStored, writeStored } from "./stored-draft";

const draftKey = (sessionId: string) => `draft:${sessionId}`;

/**
 * The message box's text for one chat, kept in this browser until it is sent,
 * so that leaving the page (or being signed out) does not lose it.
 */
export function useDraft(sessionId: string): [string, (value: string) => void] {
  const [draft, setDraftState] = useState("");

  useEffect(() => {
    const saved = readStored(draftKey(sessionId));
    // Only the browser has localStorage: restored after hydration.
    if (saved) setDraftState(saved);
  }, [sessionId]);

  const setDraft = useCallback(
    (value: string) => {
      setDraftState(value);
      writeStored(draftKey(sessionId), value);
    },
    [sessionId],
  );
  return [draft, setDraft];
}
