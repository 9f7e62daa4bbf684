{
  // GPUC bank box (SigmaUSD bank pattern, fixed rate).
  //   tokens(0): the bank NFT (singleton; identifies the bank)
  //   tokens(1): the GPUC not yet in circulation (the bank always keeps at least 1)
  //   R4 circulating GPUC (Long)   R5 rate: nanoERG per GPUC unit (Long, fixed)
  // Compile-time constant: gpucId (Coll[Byte]).
  // Anyone may mint (ERG in, GPUC out) or redeem (GPUC in, ERG out) at the rate. The
  // bank must live on as OUTPUTS(0) with its NFT, script and rate; the ERG it holds
  // moves by exactly minted x rate, and the reserve covers the circulation.
  val next = OUTPUTS(0)
  val rate = SELF.R5[Long].get
  val circulatingIn = SELF.R4[Long].get
  val circulatingOut = next.R4[Long].get
  val holdsGpuc = next.tokens.size == 2 && next.tokens(1)._1 == gpucId
  val keepsNft = next.tokens(0) == SELF.tokens(0)
  val minted = SELF.tokens(1)._2 - next.tokens(1)._2
  val circulationMoves = circulatingOut == circulatingIn + minted
  val paidAtRate = next.value - SELF.value == minted * rate
  val reserveCovers = circulatingOut >= 0L && next.value >= circulatingOut * rate
  sigmaProp(
    SELF.id == INPUTS(0).id &&
    holdsGpuc && keepsNft &&
    next.propositionBytes == SELF.propositionBytes &&
    next.R5[Long].get == rate &&
    circulationMoves && paidAtRate && reserveCovers
  )
}
