import { useBeforeUnload, useBlocker, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { forgetStored, readStored, writeStored } from "./stored-draft";

/**
 * Where a lab page keeps its draft: one for a new assistant; for an edit, one
 * per assistant and active versions, so a draft from before a rollback is not
 * put back over the version now active.
 */
export const labDraftKey = (botId: string | null, versions = "") => `lab:${botId ?? "new"}:${versions}`;

/** Forgets every draft of the lab page for `botId` (null: a new assistant), once its save has landed. */
export function forgetLabDrafts(botId: string | null) {
  forgetStored(labDraftKey(botId));
}

const LEAVE_QUESTION =
  "Leave the lab? Your changes are not saved. They are kept as a draft in this browser and come back when you return.";

/**
 * The lab form kept in this browser as it is typed (`read` gives its values)
 * and put back (`restore`) when the page opens again, until a save succeeds
 * and the page it lands on forgets it. Leaving with unsaved changes asks first.
 */
export function useLabDraft<T>(key: string, { read, restore }: { read: () => T; restore: (values: T) => void }) {
  const opened = useRef<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const navigation = useNavigation();
  const saving = navigation.state !== "idle" && navigation.formMethod === "POST";

  useEffect(() => {
    // What the page opened with, before any draft: a draft equal to it is no change.
    opened.current = JSON.stringify(read());
    const stored = readStored(key);
    if (stored && stored !== opened.current) {
      restore(JSON.parse(stored) as T);
      setDirty(true);
    }
  }, [key]);

  /** Call when a field changes. */
  const changed = () => {
    const now = JSON.stringify(read());
    const isDirty = now !== opened.current;
    setDirty(isDirty);
    writeStored(key, isDirty ? now : null);
  };

  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && !saving && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    if (window.confirm(LEAVE_QUESTION)) blocker.proceed();
    else blocker.reset();
  }, [blocker]);
  useBeforeUnload((event) => {
    if (dirty && !saving) event.preventDefault();
  });

  return { changed };
}
