from oracles.verify.randomness import verifier_rng, verifier_seed

SECRET = b"s" * 32
JOB = b"j" * 32
RESULT = b"r" * 32


def test_every_input_changes_the_seed() -> None:
    base = verifier_seed(SECRET, JOB, RESULT, "p")
    assert base == verifier_seed(SECRET, JOB, RESULT, "p")
    variants = [
        verifier_seed(b"t" * 32, JOB, RESULT, "p"),
        verifier_seed(SECRET, b"k" * 32, RESULT, "p"),
        verifier_seed(SECRET, JOB, b"q" * 32, "p"),
        verifier_seed(SECRET, JOB, RESULT, "q"),
    ]
    assert len({base, *variants}) == 5


def test_purpose_and_secret_do_not_run_into_each_other() -> None:
    # Without length prefixes ("ab", "c...") and ("a", "bc...") would collide.
    assert verifier_seed(b"c" * 31, JOB, RESULT, "ab") != verifier_seed(
        b"b" + b"c" * 31, JOB, RESULT, "a"
    )


def test_the_generator_is_reproducible_from_the_same_inputs() -> None:
    first = verifier_rng(SECRET, JOB, RESULT, "p").integers(0, 2**32, 8)
    again = verifier_rng(SECRET, JOB, RESULT, "p").integers(0, 2**32, 8)
    assert (first == again).all()
