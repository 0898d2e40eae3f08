import type { Submission } from "@conform-to/react";
import { data } from "@remix-run/node";
import { DatabaseUnavailable, isDatabaseUnavailable } from "./db.server";

/**
 * Runs a form's save. When the database does not answer, the action gets the
 * form back (to return) with everything the person typed and a message,
 * instead of an error page that would lose it.
 */
export async function saveOrKeepForm<T>(submission: Submission<unknown>, save: () => Promise<T>) {
  try {
    return { saved: await save() } as const;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    const kept = data(submission.reply({ formErrors: [DatabaseUnavailable.MESSAGE] }), {
      status: 503,
      headers: { "Retry-After": String(DatabaseUnavailable.RETRY_AFTER_SECONDS) },
    });
    return { kept } as const;
  }
}
