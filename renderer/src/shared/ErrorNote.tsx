/** An error where it happened, announced to screen readers; nothing when there is none. */
export function ErrorNote({ message, id }: { readonly message: string; readonly id?: string }) {
  if (message === '') return null;
  return (
    <p className="error" role="alert" id={id}>
      {message}
    </p>
  );
}
