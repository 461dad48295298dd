export const dynamic = "force-dynamic";

export async function GET() {
  const url = new URL("/users", process.env.BACKEND_INTERNAL_URL);
  const res = await fetch(url, { cache: "no-store" });
  const users = await res.json();
  return Response.json(users);
}
