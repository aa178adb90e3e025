"""Bird dog limb heights: all four thresholds in the middle of the clinic truth's clean and fault bounds (an
arm_high at 20 deg sat on the fault bound: clinic c5336, an arm 25.7 deg high read 17.3, was missed)."""

import pytest

from backform.exercises.bird_dog import BirdDogParams
from backform.synth.clinic import dim

P = BirdDogParams()


@pytest.mark.parametrize("code, threshold", [("arm_low", -P.arm_low_deg), ("arm_high", P.arm_high_deg),
                                             ("leg_low", -P.leg_low_deg), ("leg_high", P.leg_high_deg)])
def test_limb_threshold_sits_midway_between_clean_and_fault(code, threshold):
    d = dim("bird_dog", code)
    assert d.clean < threshold < d.fault
    assert abs(threshold - (d.clean + d.fault) / 2.0) <= 0.25 * (d.fault - d.clean)
