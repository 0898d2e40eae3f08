import { useCallback, useEffect, useState } from "react";

const draftKey = (sessionId: string) => `assistant-lab:draft:${sessionId}`;

/**
 * The message box's text for one chat, kept in this browser until it is sent,
 * so that leaving the page (or being signed out) does not lose it.
 */
export function useDraft(sessionId: string): [string, (value: string) => void] {
  const [draft, setDraftState] = useState("");

  useEffect(() => {
    const saved = readDraft(sessionId);
    // Only the browser has localStorage: restored after hydration.
    if (saved) setDraftState(saved);
  }, [sessionId]);

  const setDraft = useCallback(
    (value: string) => {
      setDraftState(value);
      writeDraft(sessionId, value);
    },
    [sessionId],
  );
  return [draft, setDraft];
}

// Storage can be full or switched off; the draft then lives only as long as the page.
function readDraft(sessionId: string): string | null {
  try {
    return localStorage.getItem(draftKey(sessionId));
  } catch {
    return null;
  }
}

function writeDraft(sessionId: string, value: string) {
  try {
    if (value.trim()) localStorage.setItem(draftKey(sessionId), value);
    else localStorage.removeItem(draftKey(sessionId));
  } catch {
    // See readDraft.
  }
}
