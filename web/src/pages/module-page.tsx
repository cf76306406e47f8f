// PLACEHOLDER: replaced by the page's implementation
export function ModulePage({ path }: { path: string }) {
  return <p>TODO</p>;
}
