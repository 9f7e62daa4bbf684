// Amounts are wei (GPUC has 18 decimals, like ETH). Chain amounts arrive as decimal
// strings and are handled as BigInt; so are matcher prices (decimal strings too, since
// JSON.parse rounds integers above 2**53).

const DECIMALS = 18;
const ONE = 10n ** BigInt(DECIMALS);
const SMALL = 10n ** 9n; // below this, wei read better than a long fraction

export function toBigInt(value) {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(Math.round(value));
  return BigInt(value);
}

/** "12.5", "0.002", "1,204.25": at most 4 significant fraction digits, truncated. */
export function gpuc(value) {
  let wei = toBigInt(value);
  const sign = wei < 0n ? "-" : "";
  if (wei < 0n) wei = -wei;
  if (wei === 0n) return "0";
  if (wei < SMALL) return `${sign}${wei} wei`;
  const whole = wei / ONE;
  const frac = (wei % ONE).toString().padStart(DECIMALS, "0");
  let digits;
  if (whole >= 1000n) digits = frac.slice(0, 2);
  else if (whole > 0n) digits = frac.slice(0, 4);
  else {
    const first = frac.search(/[1-9]/);
    digits = frac.slice(0, first + 4);
  }
  digits = digits.replace(/0+$/, "");
  const wholeText = whole.toLocaleString("en-US");
  return `${sign}${wholeText}${digits ? "." + digits : ""}`;
}

export function gpucUnit(value) {
  const text = gpuc(value);
  return text.endsWith("wei") ? text : `${text} GPUC`;
}

/** GPUC as a float, for the chart's axis only. */
export function gpucFloat(value) {
  return Number(toBigInt(value)) / 1e18;
}

export function shortAddress(address) {
  if (!address) return "—";
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 10)}…${id.slice(-4)}` : id;
}

export function percent(fraction) {
  const p = fraction * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  return `${p.toFixed(p < 10 ? 1 : 0)}%`;
}

export function number(value, maxFraction = 2) {
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: maxFraction });
}

export function age(seconds) {
  if (seconds < 1) return "now";
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

export function clockTime(date) {
  return date.toLocaleTimeString("en-GB", { hour12: false });
}
