import { greet } from "@acme/greeting";

export default function Home() {
  return (
    <main>
      <h1>{greet("web")}</h1>
      <p>
        <a id="api" href={process.env.NEXT_PUBLIC_API_BASE}>
          api
        </a>
      </p>
    </main>
  );
}
