{
  // GPUC job escrow box: the consumer's budget in GPUC (tokens(0)).
  //   R4 jobId (Coll[Byte], 32)   R5 provider key (GroupElement)
  //   R6 consumer key (GroupElement)   R7 price per unit (Long, GPUC)
  //   R8 timeout height (Int)      R9 compensation owed on a fault (Long, GPUC)
  // Compile-time constants: verdictNft, gpucId (Coll[Byte]).
  // The escrow must be INPUTS(0), so one output can never settle two escrows.
  //   release: a release verdict for this job pays units x price to the provider
  //            (OUTPUTS(0)) and the rest to the consumer (OUTPUTS(1));
  //   fault:   a fault verdict returns the budget plus the compensation to the
  //            consumer (OUTPUTS(0)); the compensation comes from the provider's
  //            collateral, slashed in the same transaction;
  //   refund:  strictly after the timeout height the whole budget goes back to
  //            the consumer (OUTPUTS(0)), whatever the oracles did.
  val jobId = SELF.R4[Coll[Byte]].get
  val provider = SELF.R5[GroupElement].get
  val consumer = SELF.R6[GroupElement].get
  val price = SELF.R7[Long].get
  val timeout = SELF.R8[Int].get
  val compensation = SELF.R9[Long].get
  val budget = SELF.tokens(0)._2
  val gpucOf = { (box: Box) =>
    if (box.tokens.size > 0 && box.tokens(0)._1 == gpucId) box.tokens(0)._2 else 0L
  }
  val toConsumer = OUTPUTS(0).propositionBytes == proveDlog(consumer).propBytes
  val verdictSays = { (outcome: Int) =>
    CONTEXT.dataInputs.size > 0 && {
      val verdict = CONTEXT.dataInputs(0)
      verdict.tokens.size > 0 && verdict.tokens(0)._1 == verdictNft &&
        verdict.R4[Coll[Byte]].get == jobId && verdict.R5[Int].get == outcome
    }
  }
  val release = verdictSays(1) && {
    val pay = CONTEXT.dataInputs(0).R6[Long].get * price
    pay <= budget &&
      OUTPUTS(0).propositionBytes == proveDlog(provider).propBytes && gpucOf(OUTPUTS(0)) == pay &&
      OUTPUTS(1).propositionBytes == proveDlog(consumer).propBytes &&
      gpucOf(OUTPUTS(1)) == budget - pay
  }
  val fault = verdictSays(2) && toConsumer && gpucOf(OUTPUTS(0)) >= budget + compensation
  val refund = HEIGHT > timeout && toConsumer && gpucOf(OUTPUTS(0)) == budget
  sigmaProp(SELF.id == INPUTS(0).id && (release || fault || refund))
}
