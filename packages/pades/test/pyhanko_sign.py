"""Makes and signs test PDFs with pyHanko, the independent PAdES implementation the
@edoc/pades tests verify against (installed by infra/pyhanko.sh).

  base OUT                                   a one-page PDF (xref streams, as pyHanko writes)
  sign IN OUT KEY CERT CHAIN FIELD SUBFILTER  appends a signature (pades | pkcs7)
  update IN OUT                              appends an unsigned incremental update (new /Info)
"""
import sys

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers


def base(out):
    w = PdfFileWriter()
    page = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
    })
    content = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 770 Td (Cong van so 12/UBND) Tj ET")
    page[generic.pdf_name("/Contents")] = w.add_object(content)
    w.insert_page(page)
    with open(out, "wb") as f:
        w.write(f)


def sign(inp, out, key, cert, chain, field, subfilter):
    signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(chain,))
    sub = fields.SigSeedSubFilter.PADES if subfilter == "pades" else fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=sub, md_algorithm="sha256")
    with open(inp, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        with open(out, "wb") as o:
            signers.sign_pdf(w, meta, signer=signer, output=o)


def update(inp, out):
    with open(inp, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        w.set_info(generic.DictionaryObject({generic.pdf_name("/Title"): generic.TextStringObject("changed after signing")}))
        with open(out, "wb") as o:
            w.write(o)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"base": base, "sign": sign, "update": update}[cmd](*args)
