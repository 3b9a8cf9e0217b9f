"""Figure: shipping labels as PDF (4 x 6 in, WeasyPrint). Target: one label warm <= 150 ms.

No database: the renderers take plain data (``logistics.documents.data``). Production settings (``DEBUG`` off), in
one process, as a worker renders them. Measured:

1. cold: the first label on a machine (web fonts decoded into the font cache, then loaded), and the first label of
   a new process (decoded fonts on disk: loading them and parsing the stylesheets, once a process);
2. one label, warm (after ``sellercenter.pdf.warm_up``, as a worker process starts), ``--runs`` (50) times: a
   parcel from Shenzhen to Berlin with a CN22 (Chinese sender, accented Latin recipient, Code 128, QR code), the
   time around ``label_pdf`` (template, codes, layout, PDF, font subsets);
3. the same with a Japanese recipient, which adds the Japanese font to the PDF;
4. a batch of ``--batch`` (500) labels into one PDF (recipients in Germany, France, Spain and the US);
5. a batch of ``--batch`` labels whose recipients cycle through Chinese, Japanese, Thai, Arabic and accented Latin.

Each batch is checked: one page per label. Sizes are of the PDF bytes. Besides wall time, the script prints the CPU
time of its own process: on a machine whose cores other work shares, wall time includes waiting for a core, and the
CPU time is the closer estimate of the wall time on an idle machine.

    .venv/bin/python bench/label_render.py [--runs 50] [--batch 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchenv

D = Decimal


def _addresses() -> dict[str, Any]:
    from logistics.documents.data import Address

    return {
        "sender": Address(name="深圳华强电子有限公司 王小明", line1="福田区华强北路1002号 赛格广场12楼", city="深圳",
                          region="广东省", postal_code="518031", country="CN", phone="+86 755 8888 1234"),
        "latin": [
            Address(name="José Müller-Łukasiewicz", line1="Straße des 17. Juni 135", line2="Gebäude Ä, 3. Stock",
                    city="Berlin", postal_code="10623", country="DE", phone="+49 30 1234567"),
            Address(name="Amélie Lefèvre", line1="12 rue de l'Église", city="Lyon", postal_code="69002", country="FR"),
            Address(name="Begoña Núñez", line1="Calle de Alcalá 48, 3º", city="Madrid", postal_code="28014",
                    country="ES"),
            Address(name="Chris O'Brien", line1="350 Fifth Avenue", line2="Suite 4200", city="New York",
                    region="NY", postal_code="10118", country="US"),
        ],
        "scripts": [
            Address(name="李雷", line1="浦东新区世纪大道100号 环球金融中心58楼", city="上海", postal_code="200120",
                    country="CN"),
            Address(name="渡邊 髙橋 さくら", line1="東京都渋谷区神宮前1-2-3", line2="サクラマンション 402号室",
                    city="渋谷区", region="東京都", postal_code="150-0001", country="JP"),
            Address(name="สมชาย ใจดี", line1="123/45 ถนนสุขุมวิท แขวงคลองเตย", city="กรุงเทพมหานคร",
                    postal_code="10110", country="TH"),
            Address(name="محمد عبد الله", line1="شارع الملك فهد 12", city="الرياض", postal_code="12271", country="SA"),
            Address(name="Zoë Ødegård-Šimić", line1="Karl Johans gate 22", city="Oslo", postal_code="0159",
                    country="NO"),
        ],
    }


def _parcel(recipient: Any, sender: Any, n: int) -> Any:
    from logistics.documents.data import Incoterms, Item, Parcel

    items = (
        Item(description="Bluetooth earphones 蓝牙耳机", quantity=2, unit_value=D("19.99"), currency="USD",
             net_weight_kg=D("0.120"), hs_code="8518.30", origin_country="CN", sku="BT-EAR-01"),
        Item(description="USB-C cable 1 m", quantity=3, unit_value=D("3.50"), currency="USD",
             net_weight_kg=D("0.090"), hs_code="8544.42", origin_country="CN"),
    )
    return Parcel(tracking_number=f"LX{100000000 + n:09d}CN", carrier="Yanwen", service="Special Line Tracked",
                  order_number=f"US-202611-{1000 + n}", sender=sender, recipient=recipient, weight_kg=D("0.45"),
                  currency="USD", items=items, incoterms=Incoterms.DDP, signed_on=dt.date(2026, 11, 27))


def _pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    benchenv.use_env("sc_bench_labels")  # production settings; this figure opens no database
    import django

    django.setup()
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from logistics.documents.labels import label_pdf, labels_pdf

    info = benchenv.print_header("Shipping labels: 4 x 6 in PDF with WeasyPrint")
    addresses = _addresses()
    sender = addresses["sender"]
    results: dict[str, Any] = {"machine": info, "runs": args.runs, "batch": args.batch}

    from django.conf import settings

    from sellercenter import pdf

    # First on a machine: web fonts decoded into an empty cache folder, then loaded. Then a new process's first
    # label: the decoded fonts are on disk, only loading them and parsing the stylesheet remain.
    with tempfile.TemporaryDirectory() as cache:
        settings.DOCUMENT_FONTS_CACHE = Path(cache)
        for key, label in (("first_on_machine_ms", "first label on a machine (fonts decoded)"),
                           ("first_in_process_ms", "first label of a process (decoded fonts on disk)")):
            pdf.font_config.cache_clear()
            pdf.stylesheet.cache_clear()
            started = time.perf_counter()
            first = label_pdf(_parcel(addresses["latin"][0], sender, 0))
            results[key] = (time.perf_counter() - started) * 1000
            print(f"{label}: {results[key]:.0f} ms, {len(first) / 1024:.0f} KiB")

    pdf.warm_up()  # as each worker process does when it starts (fonts loaded, start-up objects frozen)
    for key, recipient in (("one_latin", addresses["latin"][0]), ("one_japanese", addresses["scripts"][1])):
        parcel = _parcel(recipient, sender, 1)
        for _ in range(3):
            label_pdf(parcel)
        samples, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            data = label_pdf(parcel)
            samples.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        stats, cpu_stats = benchenv.summary(samples, 1000), benchenv.summary(cpu, 1000)
        results[key] = {"wall": stats, "cpu": cpu_stats, "bytes": len(data)}
        print(f"one label warm, {key.split('_')[1]} recipient, wall: {benchenv.fmt(stats)}, {len(data) / 1024:.0f} KiB")
        print(f"    CPU time of this process: {benchenv.fmt(cpu_stats)}")

    for key, pool in (("batch_latin", addresses["latin"]), ("batch_scripts", addresses["scripts"])):
        parcels = [_parcel(pool[n % len(pool)], sender, n) for n in range(args.batch)]
        started, started_cpu = time.perf_counter(), time.process_time()
        data = labels_pdf(parcels)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
        pages = _pages(data)
        assert pages == args.batch, (pages, args.batch)
        results[key] = {"seconds": seconds, "cpu_seconds": cpu_seconds, "per_label_ms": seconds * 1000 / args.batch,
                        "bytes": len(data), "pages": pages}
        print(f"batch of {args.batch} ({key.split('_')[1]}): {seconds:.1f} s wall ({cpu_seconds:.1f} s CPU), "
              f"{seconds * 1000 / args.batch:.1f} ms a label, {pages} pages, {len(data) / 1024 / 1024:.1f} MiB")

    benchenv.save_results("label_render", results)


if __name__ == "__main__":
    main()
