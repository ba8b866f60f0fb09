"""Time to the first video frame on the sighting page, measured in Chromium, against a bare <video>.

Starts the browser tests' seeded site (real server, 10 one-minute segments, sightings), then N times, each in
a fresh browser context (empty cache): signs in, opens a sighting, and reads the time from navigation
start to the first frame the <video> presents (requestVideoFrameCallback). The reference in the same run
is a bare <video> element pointed at the segment file and offset the player opened with (its data-first-url
and data-first-offset), without Dozor's page or script. The player fetches whole segment files into one
MediaSource stream (a minute either side of the car), so its first frame waits for that first file.

    .venv/bin/python bench/web_video.py --runs 10
Last line: `web_video first_frame_p50_ms=X first_frame_p95_ms=Y bare_p50_ms=Z ratio=R runs=N`
(goal: first frame ≤ 1000 ms after the page starts loading).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "browser")]

from browser_support import launch_chromium, make_template, remove, sign_in, start_site  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from webapp import PASSWORDS  # noqa: E402

HOOK = """
window.__firstFrame = null;
document.addEventListener("DOMContentLoaded", () => {
  const video = document.getElementById("player");
  if (video) video.requestVideoFrameCallback(() => { window.__firstFrame = performance.now(); });
});
"""
BARE = """([url, offset]) => new Promise((resolve) => {
  const video = document.createElement("video");
  video.muted = true;
  video.autoplay = true;
  const began = performance.now();
  video.requestVideoFrameCallback(() => resolve(performance.now() - began));
  video.src = url + "#t=" + offset;
  document.body.appendChild(video);
  video.play().catch(() => {});
})"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dozor-video-bench-"))
    site = start_site(work / "data", make_template(work), live_camera=None)
    sighting = site.sightings["BE7123AA"]
    dozor, bare = [], []
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for _ in range(args.runs):
                context = browser.new_context()
                page = context.new_page()
                sign_in(page, site, "police", PASSWORDS["police"])
                page.wait_for_url("**/search")
                page.add_init_script(HOOK)
                page.goto(f"{site.url}/sightings/{sighting}")
                page.wait_for_function("() => window.__firstFrame !== null", timeout=20000)
                dozor.append(page.evaluate("window.__firstFrame"))
                first = page.evaluate("(({ firstUrl, firstOffset }) => [firstUrl, firstOffset])"
                                      "(document.getElementById('player').dataset)")
                context.close()
                context = browser.new_context()
                page = context.new_page()
                sign_in(page, site, "police", PASSWORDS["police"])
                page.wait_for_url("**/search")
                bare.append(page.evaluate(BARE, [site.url + first[0], first[1]]))
                context.close()
            browser.close()
    finally:
        site.close()
        remove(work)
    print("sighting page, navigation start -> first frame (ms):", " ".join(f"{v:.0f}" for v in dozor))
    print("bare <video>, src set -> first frame (ms):           ", " ".join(f"{v:.0f}" for v in bare))
    p50, p95, ref = statistics.median(dozor), percentile(dozor, 0.95), statistics.median(bare)
    print(f"web_video first_frame_p50_ms={p50:.0f} first_frame_p95_ms={p95:.0f} bare_p50_ms={ref:.0f} "
          f"ratio={p50 / ref:.2f} runs={args.runs}")


if __name__ == "__main__":
    main()
