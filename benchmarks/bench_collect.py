"""minyi collect against a naive crawler on a generated web served on loopback.

A child process serves `--pages` pages (news articles with comment sections and forum threads, all generated)
under `--hosts` host names (127.0.0.1 … 127.0.0.H, one server each), every answer delayed 50–300 ms as real
hosts are, a sitemap and a robots.txt on each host. Then, in this process, on the same pages:

- ours: `minyi.collect.services.collect_urls` from the sitemaps, with the default per-host politeness (two
  requests at once and 0.5 s between starts per host, robots.txt obeyed), extraction and analysis in batches;
- the naive baseline: `requests.get` + BeautifulSoup + `MessageAnalyzer.analyze` one page at a time, on the
  first `--baseline-pages` pages of the same web (it goes at one page per answer delay, so the whole web would take
  it a quarter of an hour; its rate does not depend on how many pages it is given).

Both rates are pages fetched + extracted + analysed per second of wall time; the model is loaded before either.

    .venv/bin/python benchmarks/bench_collect.py                  # 5,000 pages, 20 hosts
    .venv/bin/python benchmarks/bench_collect.py --pages 500 --hosts 5 --baseline-pages 50
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PLACES = [
    "青川市河西区春晖路",
    "东湖街道幸福里小区",
    "锦江镇石桥村",
    "城北新区学府路",
    "南山区人民医院附近",
    "老城区解放街",
]
PROBLEMS = [
    ("路灯坏了很久没人修", "晚上走路很不安全，老人孩子出门都提心吊胆"),
    ("下雨就积水", "排水管道老化堵塞，积水最深的地方没过脚踝"),
    ("夜间施工噪音扰民", "工地每天施工到凌晨，居民根本无法休息"),
    ("垃圾清运不及时", "垃圾桶满了好几天没人清理，气味很大，招来很多蚊虫"),
    ("公交班次太少", "早高峰要等四十分钟才来一班车，上班经常迟到"),
    ("小区电梯经常故障", "上个月电梯停了三次，有一次还把人困在里面"),
]
ASKS = ["希望有关部门尽快处理。", "请问什么时候能解决？", "建议增加巡查频次。", "恳请领导重视这个问题。"]
COMMENTS = [
    "我们这里也是这样。",
    "同问，已经反映过好几次了。",
    "支持楼主，希望早日解决。",
    "上周打过热线，还没有回音。",
]


def page_html(host: int, n: int) -> str:
    rng = random.Random(host * 100_003 + n)
    place, (problem, detail) = rng.choice(PLACES), rng.choice(PROBLEMS)
    title = f"{place}{problem}"
    paras = [
        f"{place}的居民反映，{problem}，{detail}。",
        f"据了解，这个问题已经持续了{rng.randint(2, 12)}个月，"
        f"附近{rng.randint(100, 900)}多户居民都受到影响。{rng.choice(ASKS)}",
        f"记者联系了相关部门，工作人员表示已经记录，将在{rng.randint(3, 15)}个工作日内安排人员现场查看。",
    ]
    comments = "".join(
        f'<div class="comment-item" id="c{k}"><span class="user">网友{rng.randint(1000, 9999)}</span>'
        f'<span class="time">2024-05-{k + 10} 1{k}:00</span><p class="content">{rng.choice(COMMENTS)}{k}</p></div>'
        for k in range(rng.randint(0, 3))
    )
    nav = "".join(f'<a href="/c/{k}/">栏目{k}</a>' for k in range(8))
    related = "".join(f'<li><a href="/p/{(n + k) % 50}.html">相关新闻{k}</a></li>' for k in range(5))
    return (
        f'<html><head><meta charset="utf-8"><title>{escape(title)}_青川{host}网</title></head><body>'
        f'<div class="nav">{nav}</div><h1>{escape(title)}</h1><div class="info">来源：青川{host}网 '
        f"2024-05-{rng.randint(10, 28)} 09:{rng.randint(10, 59)}</div>"
        f'<div class="article-content">{"".join(f"<p>{escape(p)}</p>" for p in paras)}</div>'
        f'<div class="comment-list">{comments}</div><div class="related"><ul>{related}</ul></div>'
        '<div class="footer">版权所有 © 2024</div></body></html>'
    )


def sitemap(host: int, base: str, count: int) -> str:
    locs = "".join(f"<url><loc>{base}/p/{n}.html</loc></url>" for n in range(count))
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'


def serve(hosts: int, per_host: int, ready: Any) -> None:
    """The child process: one threaded server per 127.0.0.x, answers delayed 50–300 ms."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host = int(self.server.server_address[0].rsplit(".", 1)[1])
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            time.sleep(random.uniform(0.05, 0.3))
            kind, body = "text/html; charset=utf-8", b""
            if self.path == "/robots.txt":
                kind, body = "text/plain", b"User-agent: *\nDisallow: /private/\n"
            elif self.path == "/sitemap.xml":
                kind, body = "application/xml", sitemap(host, base, per_host).encode()
            elif self.path.startswith("/p/") and self.path.endswith(".html"):
                body = page_html(host, int(self.path[3:-5])).encode()
            status = 200 if body else 404
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ports = []
    for h in range(1, hosts + 1):
        server = ThreadingHTTPServer((f"127.0.0.{h}", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports.append(server.server_address[1])
    ready.send(ports)
    while True:
        time.sleep(3600)


def ours(sitemaps: list[str], pages: int, analyzer: Any) -> tuple[float, int, int, int]:
    from minyi.collect.services import collect_urls

    began = time.perf_counter()
    result = collect_urls(urls=sitemaps, max_pages=pages + len(sitemaps), analyzer=analyzer)
    seconds = time.perf_counter() - began
    fetched = sum(h.fetched for h in result.hosts) - len(sitemaps)
    return seconds, fetched, len(result.items), result.errors


def baseline(urls: list[str], analyzer: Any) -> tuple[float, int]:
    import requests
    from bs4 import BeautifulSoup

    began = time.perf_counter()
    done = 0
    for url in urls:
        answer = requests.get(url, timeout=10, headers={"User-Agent": "naive-baseline"})
        soup = BeautifulSoup(answer.content, "html.parser")
        title = soup.h1.get_text(strip=True) if soup.h1 else (soup.title.get_text(strip=True) if soup.title else "")
        text = "\n".join(p.get_text(strip=True) for p in soup.find_all("p"))
        analyzer.analyze(title, text)
        done += 1
    return time.perf_counter() - began, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="pages in the generated web (default 5000)")
    parser.add_argument("--hosts", type=int, default=20, help="host names 127.0.0.1 … 127.0.0.H (default 20)")
    parser.add_argument(
        "--baseline-pages", type=int, default=300, help="pages the naive baseline fetches (default 300)"
    )
    args = parser.parse_args()
    per_host = max(1, args.pages // args.hosts)
    pages = per_host * args.hosts

    from minyi.nlp.pipeline import load_default_analyzer

    analyzer = load_default_analyzer()
    analyzer.analyze_many([("预热", "加载模型")])
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(args.hosts, per_host, child), daemon=True)
    server.start()
    try:
        ports = parent.recv()
        bases = [f"http://127.0.0.{h}:{port}" for h, port in enumerate(ports, start=1)]
        print(f"a web of {pages} pages on {args.hosts} hosts, each answer delayed 50–300 ms")
        seconds, fetched, items, errors = ours([f"{b}/sitemap.xml" for b in bases], pages, analyzer)
        print(
            f"ours     {fetched:>6} pages  {items:>6} items  {seconds:8.1f} s  {fetched / seconds:7.1f} pages/s"
            f"  ({errors} errors; per host: 2 at once, 0.5 s between starts, robots.txt obeyed)"
        )
        sample = [f"{bases[n % len(bases)]}/p/{n // len(bases)}.html" for n in range(min(args.baseline_pages, pages))]
        b_seconds, b_pages = baseline(sample, analyzer)
        print(f"baseline {b_pages:>6} pages  {'':>13}{b_seconds:8.1f} s  {b_pages / b_seconds:7.1f} pages/s")
        print(f"ratio    {(fetched / seconds) / (b_pages / b_seconds):.1f}x")
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
