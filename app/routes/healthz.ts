import { db } from "~/utils/db.server";
import { firestoreHealth } from "~/utils/health.server";

export async function loader() {
  const firestore = await firestoreHealth(db());
  return Response.json(
    { status: firestore.ok ? "ok" : "unavailable", firestore },
    { status: firestore.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
