export default function Home() {
  return (
    <main>
      <h1>hello from my_frontend</h1>
      <p>
        <a href="/api/users">users</a>
      </p>
    </main>
  );
}
