/**
 * The first thing Tab reaches: a way past the navigation to the page itself.
 * The target takes focus only for the jump (a permanent tabindex would make
 * every click on the page's text focus the whole page), so the next Tab goes
 * on from there. Before hydration the plain link still moves the browser's
 * starting point for Tab.
 */
export function SkipLink({ to }: { to: string }) {
  return (
    <a
      href={`#${to}`}
      onClick={(event) => {
        const target = document.getElementById(to);
        if (!target) return;
        event.preventDefault();
        target.setAttribute("tabindex", "-1");
        target.addEventListener("blur", () => target.removeAttribute("tabindex"), { once: true });
        target.focus();
      }}
      className="sr-only rounded-md bg-indigo-700 px-4 py-2 font-medium text-white focus:not-sr-only focus:absolute focus:left-4 focus:top-3 focus:z-50"
    >
      Skip to content
    </a>
  );
}
