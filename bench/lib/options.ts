/** Command-line values the bench scripts share. */

/** Parses a positive whole number; anything else ("abc", "0", "2.5") ends the script with exit 2 before it starts. */
export function positiveWhole(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench: ${option} must be a positive whole number\n`);
      process.exit(2);
    }
    return n;
  };
}
