// PLACEHOLDER: replaced by the page's implementation
export function LaunchForm({ moduleRef }: { moduleRef: string }) {
  return <p>TODO</p>;
}
