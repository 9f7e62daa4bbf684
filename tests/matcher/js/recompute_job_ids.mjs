// A JavaScript client of the matcher, as a browser or a viem app would be: fetch the
// fills, JSON.parse them as they come, rebuild each job's terms and recompute its id
// with viem. Prints {"checked": n, "mismatches": [...]} and exits 1 on any mismatch.
// Usage: node recompute_job_ids.mjs <url returning a fill or a list of fills> ...
import { encodeAbiParameters, keccak256, getAddress } from "viem";

const TERMS = [
  {
    type: "tuple",
    components: [
      { name: "consumer", type: "address" },
      { name: "provider", type: "address" },
      { name: "budget", type: "uint96" },
      { name: "pricePerUnit", type: "uint96" },
      { name: "acceptDeadline", type: "uint40" },
      { name: "deadline", type: "uint40" },
      { name: "spec", type: "bytes32" },
      { name: "salt", type: "uint256" },
    ],
  },
];

function jobId(terms) {
  const value = {
    consumer: getAddress(terms.consumer),
    provider: getAddress(terms.provider),
    // BigInt of a JSON number that JSON.parse already rounded keeps the rounding.
    budget: BigInt(terms.budget),
    pricePerUnit: BigInt(terms.pricePerUnit),
    acceptDeadline: Number(terms.acceptDeadline),
    deadline: Number(terms.deadline),
    spec: terms.spec,
    salt: BigInt(terms.salt),
  };
  return keccak256(encodeAbiParameters(TERMS, [value]));
}

let checked = 0;
const mismatches = [];
for (const url of process.argv.slice(2)) {
  const answer = await fetch(url);
  const parsed = JSON.parse(await answer.text());
  const fills = Array.isArray(parsed) ? parsed : parsed.fills ?? [parsed];
  for (const fill of fills) {
    checked += 1;
    const ours = jobId(fill.terms);
    if (ours !== fill.job_id) {
      mismatches.push({ fill_id: fill.fill_id, matcher: fill.job_id, viem: ours });
    }
  }
}
process.stdout.write(JSON.stringify({ checked, mismatches }));
process.exit(mismatches.length === 0 && checked > 0 ? 0 : 1);
