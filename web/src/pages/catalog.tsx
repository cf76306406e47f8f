// PLACEHOLDER: replaced by the page's implementation
export function Catalog({ folder }: { folder: string }) {
  return <p>TODO</p>;
}
