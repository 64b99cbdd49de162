// Your app's own sign-in stands here; this one signs in a sample user with one button.
export default function Home() {
  return (
    <main>
      <h1>Sign in</h1>
      <form method="post" action="/signin">
        <button type="submit">Sign in as Ada (Acme Corp)</button>
      </form>
    </main>
  );
}
