{
  // GPUC provider collateral box: the provider's stake in GPUC (tokens(0)).
  //   R4 provider key (GroupElement)   R5 amount slashed per fault (Long, GPUC)
  //   R6 unlock height (Int)
  // Compile-time constants: verdictNft, gpucId, escrowHash (blake2b256 of the escrow
  // script), treasury (proposition bytes that receive what the consumer is not owed).
  //   withdraw: the provider, strictly after the unlock height;
  //   slash:    a fault verdict (data input 0, identified by the verdict NFT) for a
  //             job whose escrow (INPUTS(0)) names this provider and is spent in
  //             the same transaction. The slashed amount goes first to the
  //             consumer's output (OUTPUTS(0)) up to the escrow's compensation, the
  //             rest to the treasury (OUTPUTS(2)); the remainder lives on as
  //             OUTPUTS(1) with the same script, registers and ERG value.
  val provider = SELF.R4[GroupElement].get
  val slashAmount = SELF.R5[Long].get
  val unlockHeight = SELF.R6[Int].get
  val staked = SELF.tokens(0)._2
  val gpucOf = { (box: Box) =>
    if (box.tokens.size > 0 && box.tokens(0)._1 == gpucId) box.tokens(0)._2 else 0L
  }
  val withdraw = sigmaProp(HEIGHT > unlockHeight) && proveDlog(provider)
  val slash = CONTEXT.dataInputs.size > 0 && INPUTS.size > 1 && SELF.id == INPUTS(1).id && {
    val verdict = CONTEXT.dataInputs(0)
    val escrow = INPUTS(0)
    val faultVerdict = verdict.tokens.size > 0 && verdict.tokens(0)._1 == verdictNft &&
      verdict.R5[Int].get == 2
    val ownJob = blake2b256(escrow.propositionBytes) == escrowHash &&
      escrow.R4[Coll[Byte]].get == verdict.R4[Coll[Byte]].get &&
      escrow.R5[GroupElement].get == provider
    val taken = if (slashAmount < staked) slashAmount else staked
    val owed = escrow.R9[Long].get
    val toConsumer = if (owed < taken) owed else taken
    val toTreasury = taken - toConsumer
    val consumer = escrow.R6[GroupElement].get
    val consumerPaid = OUTPUTS(0).propositionBytes == proveDlog(consumer).propBytes &&
      gpucOf(OUTPUTS(0)) >= gpucOf(escrow) + toConsumer
    val remainder = OUTPUTS(1)
    val remainderKept = staked == taken || (
      remainder.propositionBytes == SELF.propositionBytes &&
      remainder.tokens.size == 1 && gpucOf(remainder) == staked - taken &&
      remainder.value == SELF.value &&
      remainder.R4[GroupElement].get == provider &&
      remainder.R5[Long].get == slashAmount &&
      remainder.R6[Int].get == unlockHeight
    )
    val treasuryPaid = toTreasury == 0L || (
      OUTPUTS(2).propositionBytes == treasury && gpucOf(OUTPUTS(2)) == toTreasury
    )
    faultVerdict && ownJob && consumerPaid && remainderKept && treasuryPaid
  }
  withdraw || sigmaProp(slash)
}
