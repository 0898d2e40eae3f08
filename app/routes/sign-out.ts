import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { readForm } from "~/utils/request-body.server";
import { signOutCookie } from "~/identity/cookie.server";

// POST only: a GET that signs people out could be triggered by any page's <img>.
export async function action({ request }: ActionFunctionArgs) {
  // Signing out always works, whatever was sent with it.
  const form = await readForm(request, { fields: ["reason"] }).catch(() => null);
  const reason = form?.get("reason");
  // The home page explains why the person was signed out when the provider refused their key.
  const to = reason === "key_rejected" ? "/?signedOut=key_rejected" : "/";
  return redirect(to, { headers: { "Set-Cookie": await signOutCookie() } });
}

export async function loader() {
  return redirect("/");
}
