// PLACEHOLDER: replaced by the page's implementation
export function RunView({ id }: { id: string }) {
  return <p>TODO</p>;
}
