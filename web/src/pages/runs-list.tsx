// PLACEHOLDER: replaced by the page's implementation
export function RunsList() {
  return <p>TODO</p>;
}
