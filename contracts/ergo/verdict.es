{
  // GPUC oracle committee's verdict box: the singleton holder of the verdict NFT.
  // It carries the committee's latest verdict, read by escrow and collateral boxes
  // as a data input:
  //   R4 jobId (Coll[Byte], 32)  R5 outcome (Int: 1 release, 2 fault)
  //   R6 units (Long)            R7 resultHash (Coll[Byte], 32)  R8 epoch (Long)
  // Compile-time constants: oracleKeys (Coll[GroupElement]), threshold (Int).
  // Publishing a verdict spends this box: k of the n oracle keys must sign, and the
  // box must live on (OUTPUTS(0)) with the same NFT and script and a well-formed
  // verdict whose epoch never goes backwards.
  val next = OUTPUTS(0)
  val keepsNft = next.tokens.size == 1 && next.tokens(0) == SELF.tokens(0)
  val sameScript = next.propositionBytes == SELF.propositionBytes
  val outcome = next.R5[Int].get
  val wellFormed = next.R4[Coll[Byte]].get.size == 32 &&
    (outcome == 1 || outcome == 2) &&
    next.R6[Long].get >= 0L &&
    next.R7[Coll[Byte]].get.size == 32 &&
    next.R8[Long].get >= SELF.R8[Long].get
  val committee = atLeast(threshold, oracleKeys.map({ (key: GroupElement) => proveDlog(key) }))
  sigmaProp(SELF.id == INPUTS(0).id && keepsNft && sameScript && wellFormed) && committee
}
