"""The notebook view: rendered by a real browser (headless Chromium) and shown by a real
Jupyter kernel.

The browser test renders the HTML of a three-group cluster comparison in an output area
as wide as a notebook cell (1,100 px) and asserts that nothing overflows it and that the
error rows are on screen; it leaves a screenshot in ``tmp_path`` (``docs/notebook.png`` is
one of these). ``tests/install-browser.sh`` installs Chromium and its driver.
"""

from __future__ import annotations

import os
import queue

import pytest

from genevars._compare import compare_node_snapshots
from test_compare_support import snapshot, variant, withheld

CELL_WIDTH = 1100
LONG_ID = "8f3826fc952c" + "ab" * 22  # 56 hex characters, as Ray's node ids


def node(base: dict, node_id: str, **env: str) -> dict:
    snap = variant(base, origin={"node_id": node_id, "node_address": "127.0.0.1", "hostname": f"host-{node_id[:6]}", "pid": 1})
    snap["env"].update({"RAY_RAYLET_PID": node_id[:6]}, **env)
    return snap


def three_groups():
    base = snapshot({"numpy": "1.26.4", "pandas": "2.3.3", "attrs": "23.2.0", "protobuf": "4.25.3"})
    same = [node(base, f"{i:02x}" * 28) for i in range(1, 4)]
    numpy2 = node(base, LONG_ID, EXTRA_SETTING="x" * 300)
    numpy2["packages"][0]["version"] = "2.2.6"
    attrs = node(base, "cd" * 28)
    attrs["packages"][2]["version"] = "24.2.0"
    attrs["env"]["PYTHONPATH"] = "/very/long/path/" + "/segment" * 40
    local = variant(base)
    local["env"]["AWS_SECRET_ACCESS_KEY"] = withheld()
    return compare_node_snapshots(local, [*same, numpy2, attrs])


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={CELL_WIDTH},900"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_html_fits_a_notebook_cell_in_a_real_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    result = three_groups()
    assert len(result.groups) == 3 and result.summary["errors"] >= 1
    page = tmp_path / "cell.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head>"
        "<body style='margin:0'><div class='output_area' style='padding:8px'>"
        f"{result._repr_html_()}</div></body></html>",
        encoding="utf-8",
    )
    browser.get(page.as_uri())
    assert browser.execute_script("return document.documentElement.scrollWidth") <= CELL_WIDTH
    errors = browser.find_elements(By.CSS_SELECTOR, "tr.gv-error")
    assert errors, "no error row rendered"
    for row in errors:
        assert row.is_displayed()
        rect = row.rect
        assert rect["x"] >= 0 and rect["x"] + rect["width"] <= CELL_WIDTH, rect
        assert "ERROR" in row.text  # readable without colour
    # Short node ids, the whole id on hover.
    assert browser.find_elements(By.CSS_SELECTOR, f"span[title='{LONG_ID}']")
    assert LONG_ID not in browser.find_element(By.TAG_NAME, "body").text
    # One block per group; expected findings behind a closed toggle.
    blocks = browser.find_elements(By.CSS_SELECTOR, "details > summary")
    assert sum("group " in b.text for b in blocks) == 3
    expected = [b for b in blocks if "expected" in b.text]
    assert expected and not expected[0].find_element(By.XPATH, "..").get_attribute("open")
    browser.save_screenshot(str(tmp_path / "notebook.png"))


def run_cell(client, code: str, timeout: float = 180) -> list:
    """Executes ``code`` in the kernel; returns its iopub messages up to idle."""
    msg_id = client.execute(code)
    messages = []
    while True:
        try:
            msg = client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the kernel did not finish: {messages[-3:]}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def outputs(messages: list) -> tuple[list, str, list]:
    html = [m for m in messages if m["msg_type"] in ("display_data", "execute_result")
            and "text/html" in m["content"]["data"]]
    stdout = "".join(m["content"]["text"] for m in messages
                     if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    return html, stdout, errors


def test_a_notebook_shows_the_comparison_once_as_html():
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        html, stdout, errors = outputs(run_cell(client, (
            "from genevars import compare_ray_environments\n"
            "compare_ray_environments(auto_init=True, ray_address='local')"
        )))
        assert errors == []
        assert len(html) == 1, [m["msg_type"] for m in html]
        assert "genevars-comparison" in html[0]["content"]["data"]["text/html"]
        assert "=== " not in stdout  # no text report beside it
        # Shown again when asked for in a later cell.
        html, _, errors = outputs(run_cell(client, "_"))
        assert errors == [] and len(html) == 1
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
