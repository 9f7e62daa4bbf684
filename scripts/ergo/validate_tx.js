#!/usr/bin/env node
// Validate signed Ergo transactions independently of Python, with sigma-rust compiled to
// WebAssembly (npm ergo-lib-wasm-nodejs): scripts, proofs, ERG and token conservation.
//
// stdin: one case, or a JSON array of cases:
//   {"tx": <signed tx JSON>, "boxes_to_spend": [box JSON...], "data_boxes": [box JSON...],
//    "headers": [10 block headers JSON, newest first], "pre_header": <header JSON>}
// stdout: one JSON line per case: {"valid": true} or {"valid": false, "error": "..."}
// exit: 0 all valid, 1 some invalid, 2 the input could not be read.
"use strict";
const fs = require("fs");
const ergo = require("ergo-lib-wasm-nodejs");

function validateCase(c) {
  for (const field of ["tx", "boxes_to_spend", "data_boxes", "headers", "pre_header"]) {
    if (!(field in c)) throw new Error(`missing field ${field}`);
  }
  const tx = ergo.Transaction.from_json(JSON.stringify(c.tx));
  const boxes = ergo.ErgoBoxes.from_boxes_json(c.boxes_to_spend);
  const dataBoxes = ergo.ErgoBoxes.from_boxes_json(c.data_boxes);
  const headers = ergo.BlockHeaders.from_json(c.headers);
  const preHeader = ergo.PreHeader.from_block_header(
    ergo.BlockHeader.from_json(JSON.stringify(c.pre_header)),
  );
  const context = new ergo.ErgoStateContext(
    preHeader,
    headers,
    ergo.Parameters.default_parameters(),
  );
  try {
    ergo.validate_tx(tx, context, boxes, dataBoxes);
    return { valid: true };
  } catch (err) {
    return { valid: false, error: String(err) };
  }
}

function main() {
  let input;
  try {
    input = JSON.parse(fs.readFileSync(0, "utf8"));
  } catch (err) {
    fs.writeSync(2, `validate_tx: stdin is not JSON: ${err}\n`);
    return 2;
  }
  const cases = Array.isArray(input) ? input : [input];
  let allValid = true;
  for (const c of cases) {
    let result;
    try {
      result = validateCase(c);
    } catch (err) {
      fs.writeSync(2, `validate_tx: bad case: ${err}\n`);
      return 2;
    }
    allValid = allValid && result.valid;
    fs.writeSync(1, JSON.stringify(result) + "\n");
  }
  return allValid ? 0 : 1;
}

process.exitCode = main();
