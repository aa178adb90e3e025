"""wall_slide: views where low_back_arch is not judged (nearly behind; the pose turned round at the top)."""
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow
from backform.exercises.wall_slide import front_share


def _ctx(views, rep_view="diagonal"):
    w = RepWindow(start_s=0.0, top_s=1.0, lower_s=1.0 + 0.1 * (len(views) - 1), end_s=9.0, hold_s=1.0,
                  rest=80.0, peak=165.0)
    frames = [FrameRecord(t=1.0 + 0.1 * i, m={}, pf=None, side="left", view=v) for i, v in enumerate(views)]
    return RepContext(n=1, window=w, frames=frames, rest=[], view=rep_view, side="left")


def test_front_share_counts_the_top_read_as_front():
    assert front_share(_ctx(["diagonal"] * 4 + ["front"] * 6)) == 0.6
    assert front_share(_ctx(["diagonal"] * 10)) == 0.0
    assert front_share(_ctx(["front"] * 10, rep_view="front")) == 0.0  # seen from the front: no turn-round
    assert front_share(_ctx([None] * 3)) == 0.0


class _Rest:
    def __init__(self, up, elbow):
        self.up, self.elbow = up, elbow

    def stat(self, key, how="median", frames=None):
        return {"wrist_over_elbow": self.up, "elbow_deg": self.elbow}[key]

    rest = [object()]
    frames = []


def test_forearms_on_the_wall_from_any_view():
    from backform.exercises.wall_slide import WallSlideParams, forearms_on_wall
    p = WallSlideParams()
    assert forearms_on_wall(_Rest(0.45, 85.0), p)[0] is None
    assert forearms_on_wall(_Rest(0.40, 145.0), p)[0] is None   # forearm toward the camera: reads straighter
    assert forearms_on_wall(_Rest(0.05, 145.0), p)[0]           # arms hanging (arm circles): not a wall slide
    assert forearms_on_wall(_Rest(0.45, 176.0), p)[0]           # a straight arm reads straight in any view
