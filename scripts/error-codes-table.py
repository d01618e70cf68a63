#!/usr/bin/env python3
"""Prints the README's error-code table from src/core/errors.ts (the TSDoc line above each code)."""
import re, sys, pathlib
src = (pathlib.Path(__file__).parent.parent / 'src/core/errors.ts').read_text()
body = src[src.index('export const ErrorCode = {'):src.index('} as const;')]
rows, doc = [], ''
for line in body.split('\n'):
    m = re.match(r"\s*/\*\*\s*(.*?)\s*\*/\s*$", line)
    if m: doc = m.group(1); continue
    m = re.match(r"\s*/\*\*\s*(.*)$", line)
    if m: doc = m.group(1); continue
    m = re.match(r"\s*(\w+):\s*'(AH_[A-Z_]+)',", line)
    if m: rows.append((m.group(2), doc.strip().replace('|', '\\|'))); doc = ''; continue
    m = re.match(r"\s*\*\s*(.*?)\s*(\*/)?$", line)
    if m: doc += ' ' + m.group(1)
print('| code | meaning |\n|---|---|')
for code, text in rows: print(f'| `{code}` | {text} |')
