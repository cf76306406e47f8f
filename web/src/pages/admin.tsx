// PLACEHOLDER: replaced by the page's implementation
export function Admin({ section }: { section: string }) {
  return <p>TODO</p>;
}
