import { useCallback, useEffect, useRef, useState } from "react";

// Closer than this to the end of the page counts as being at the newest text.
const SLACK_PX = 24;

// How long after a wheel, a touch or a scrolling key a move up is taken as the person's.
const PERSON_MS = 1_000;
const SCROLL_KEYS = new Set(["ArrowUp", "PageUp", "Home", " "]);

function atEnd() {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - SLACK_PX;
}

function toEnd() {
  window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });
}

/**
 * Keeps the page at its newest text while the person is there, as a chat
 * does: the page opens at the end, and follows whatever grows inside
 * `content` (a streaming reply, a new turn). Scrolling up (by wheel, touch,
 * keys or the scrollbar) stops following;
 * reaching the end again, or `jumpToLatest`, starts it again. The whole page
 * scrolls, so at its end the sticky message box sits below the last reply
 * instead of over it.
 */
export function useFollow<T extends HTMLElement>() {
  const content = useRef<T>(null);
  const [following, setFollowing] = useState(true);
  const followingNow = useRef(true);

  const follow = useCallback((value: boolean) => {
    followingNow.current = value;
    setFollowing(value);
  }, []);

  useEffect(() => {
    toEnd();
    let lastY = window.scrollY;
    let scrolledByPerson = 0;
    const personScrolls = () => {
      scrolledByPerson = Date.now();
    };
    const onKey = (event: KeyboardEvent) => {
      // Keys typed into the message box move its caret, not the page.
      const typing = event.target instanceof HTMLElement && event.target.closest("input, textarea, select");
      if (SCROLL_KEYS.has(event.key) && !typing) personScrolls();
    };
    // A click on the page's scrollbar lands on the root element.
    const onPointer = (event: PointerEvent) => {
      if (event.target === document.documentElement) personScrolls();
    };
    const onScroll = () => {
      const movedUp = window.scrollY < lastY;
      lastY = window.scrollY;
      if (atEnd()) follow(true);
      // Only the person leaves the end: the browser also moves the page up now and then (scroll
      // anchoring, as the reply re-renders), and is put back.
      else if (movedUp && Date.now() - scrolledByPerson < PERSON_MS) follow(false);
      else if (followingNow.current) toEnd();
    };
    const observer = new ResizeObserver(() => {
      if (followingNow.current) toEnd();
    });
    if (content.current) observer.observe(content.current);
    const listeners = [
      ["scroll", onScroll],
      ["wheel", personScrolls],
      ["touchmove", personScrolls],
      ["keydown", onKey],
      ["pointerdown", onPointer],
    ] as const;
    for (const [type, listener] of listeners)
      window.addEventListener(type, listener as EventListener, { passive: true });
    return () => {
      observer.disconnect();
      for (const [type, listener] of listeners) window.removeEventListener(type, listener as EventListener);
    };
  }, [follow]);

  const jumpToLatest = useCallback(() => {
    follow(true);
    toEnd();
  }, [follow]);

  return { content, following, jumpToLatest };
}
