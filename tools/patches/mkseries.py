#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the upstream patch series of drm-msvm.

    mkseries.py KSRC OUTDIR

KSRC is the kernel source the series applies to (the rig's 6.12), OUTDIR
receives 0000-cover-letter.patch and one NNNN-*.patch per patch, made by
git format-patch. What goes in which patch is tools/patches/series; the
files derived from it after each patch (Kconfig entries, Makefiles,
MAINTAINERS, the documentation index) are generated here, so every patch
carries the build lines of exactly the files it adds.
"""

import os
import re
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERIES = os.path.join(TOP, 'tools/patches/series')

AUTHOR_NAME = 'Your Name'
AUTHOR_EMAIL = 'your.name@example.org'
SIGNOFF = 'Signed-off-by: %s <%s>' % (AUTHOR_NAME, AUTHOR_EMAIL)
LIST = 'dri-devel@lists.freedesktop.org'

# Kernel files the series changes (the others it adds).
KERNEL_FILES = ['drivers/gpu/drm/Kconfig', 'drivers/gpu/drm/Makefile',
                'drivers/gpu/drm/tests/Makefile',
                'Documentation/gpu/index.rst', 'MAINTAINERS']

# Tree files that are not copied but turned into the kernel files above.
DERIVED = ['drivers/gpu/drm/Kconfig.msvm', 'drivers/gpu/drm/vsvm/Kconfig',
           'drivers/gpu/drm/Kbuild', 'drivers/gpu/drm/vsvm/Kbuild',
           'tests/kunit/Kbuild']


def die(msg):
    sys.stderr.write('mkseries: %s\n' % msg)
    sys.exit(1)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)         # never write through a hard link
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def parse_series():
    """[(subject, files, kconfig, body)], the cover letter first."""
    patches = []
    cur = None
    in_body = False
    for line in read(SERIES).splitlines():
        if line.startswith('=== '):
            cur = {'subject': line[4:].strip(), 'files': [], 'kconfig': [],
                   'body': []}
            patches.append(cur)
            in_body = False
            continue
        if cur is None:
            if line.strip() and not line.startswith('#'):
                die('text before the first patch: %r' % line)
            continue
        if not in_body:
            if not line.strip():
                in_body = True
            elif line.startswith('#'):
                pass
            elif line.startswith('files:'):
                cur['files'] += line[6:].split()
            elif line.startswith('kconfig:'):
                cur['kconfig'] += line[8:].split()
            else:
                die('unknown header line in "%s": %r' % (cur['subject'], line))
            continue
        cur['body'].append(line)
    for p in patches:
        p['body'] = '\n'.join(p['body']).strip('\n') + '\n'
    if not patches or not patches[0]['subject'].startswith('cover:'):
        die('the series must start with its cover letter')
    cover = patches.pop(0)
    cover['subject'] = cover['subject'][len('cover:'):].strip()
    return cover, patches


def kernel_path(path):
    """Where a file of the tree goes in the kernel tree."""
    base = os.path.basename(path)
    if path.startswith('tests/kunit/'):
        if base.startswith('drm_'):
            return 'drivers/gpu/drm/tests/' + base
        if base.startswith('vsvm_'):
            return 'drivers/gpu/drm/vsvm/tests/' + base
        die('no kernel place for ' + path)
    return path


def tree_files():
    """The files of the tree that belong in the kernel."""
    out = subprocess.run(['git', 'ls-files', '--cached', '--others',
                          '--exclude-standard', 'drivers', 'include',
                          'tests/kunit', 'Documentation'],
                         cwd=TOP, check=True, capture_output=True, text=True)
    return [f for f in out.stdout.split() if f not in DERIVED and
            os.path.exists(os.path.join(TOP, f))]


# Kconfig: blocks of "config X" entries.
def kconfig_blocks(path):
    text = read(os.path.join(TOP, path))
    parts = re.split(r'(?m)^(?=config )', text)
    header, blocks = parts[0], {}
    order = []
    for part in parts[1:]:
        name = part.split()[1]
        blocks[name] = part.rstrip('\n') + '\n'
        order.append(name)
    return header, blocks, order


# Kbuild -> Makefile: statements with their continuation lines.
def statements(text):
    stmts, cur = [], ''
    for line in text.splitlines():
        cur += line + '\n'
        if not line.endswith('\\'):
            stmts.append(cur)
            cur = ''
    if cur:
        stmts.append(cur)
    return stmts


def to_makefile(text, present_objs, keep_obj, src_map):
    """Rewrite an out-of-tree Kbuild for the kernel tree.

    Drops its header comment (not the SPDX line) and the include paths
    of the out-of-tree build, maps the others (src_map), and keeps only
    the objects whose source is present and that keep_obj accepts (and
    the comments and CFLAGS_<obj>.o lines that go with them).
    """
    out = []
    header = True
    comment = []
    # Composite objects (name-y lists) count as present when any of
    # their parts is.
    composite = {}
    for st in statements(text):
        m = re.match(r'(\w+)-y\s*:?=\s*(.*)', st.replace('\\\n', ' '), re.S)
        if m and m.group(1) not in ('obj', 'ccflags', 'subdir-ccflags'):
            composite[m.group(1)] = [t[:-2] for t in m.group(2).split()]
    present = set(present_objs)
    present |= {c for c, parts in composite.items()
                if any(o in present_objs for o in parts)}

    for st in statements(text):
        first = st.split('\n')[0]
        if first.startswith('#'):
            # SPDX, then the header comment of the out-of-tree file, which
            # is dropped; later comments go with the statement after them.
            if 'SPDX-License-Identifier' in first:
                out.append(st)
            elif not header:
                comment.append(st)
            continue
        if not first.strip():
            out += comment + [st]
            comment = []
            continue
        header = False
        m = re.match(r'(\S+)\s*(\+=|:=|=)\s*(.*)', st.replace('\\\n', ' '),
                     re.S)
        if not m:
            out += comment + [st]
            comment = []
            continue
        var, op, val = m.group(1), m.group(2), m.group(3).split()
        cm = re.match(r'CFLAGS_(\w+)\.o$', var)
        if cm and cm.group(1) not in present:
            comment = []
            continue
        if var.startswith('ccflags-'):
            toks = []
            for t in val:
                for a, b in src_map:
                    t = t.replace(a, b)
                if 'KBUILD_EXTMOD' not in t:
                    toks.append(t)
            if toks:
                out += comment + ['%s %s %s\n' % (var, op, ' '.join(toks))]
            comment = []
            continue
        objs = [t for t in val if not t.endswith('.o') or
                (t[:-2] in present and keep_obj(var, t[:-2]))]
        objs = [t for t in objs if not t.endswith('/') or keep_obj(var, t)]
        if objs:
            out += comment
            if len(objs) == 1:
                out.append('%s %s %s\n' % (var, op, objs[0]))
            else:
                out.append('%s %s \\\n\t%s\n' % (var, op,
                                                ' \\\n\t'.join(objs)))
        comment = []
    text = ''.join(out)
    text = re.sub(r'\n{3,}', '\n\n', text)
    return text.strip('\n') + '\n'


def insert_after(text, anchor, add, what):
    if anchor not in text:
        die('%s: no %r in the kernel file' % (what, anchor.strip()))
    return text.replace(anchor, anchor + add, 1)


def insert_before(text, anchor, add, what):
    if anchor not in text:
        die('%s: no %r in the kernel file' % (what, anchor.strip()))
    return text.replace(anchor, add + anchor, 1)


def maintainers(text, present, kconf):
    """MAINTAINERS with entries for the files present."""
    fw = sorted(p for p in present if
                re.match(r'(drivers/gpu/drm/(drm_pagemap|drm_gpusvm|drm_msvm)'
                         r'|include/drm/(drm_pagemap|drm_gpusvm|drm_msvm)'
                         r'|drivers/gpu/drm/tests/drm_(pagemap|gpusvm)'
                         r'|Documentation/gpu/drm-msvm)', p))
    # The driver's directory once it is built, its files before.
    if 'DRM_VSVM' in kconf:
        drv = ['drivers/gpu/drm/vsvm/']
    else:
        drv = [p for p in present if p.startswith('drivers/gpu/drm/vsvm/')]
    drv = sorted(drv + [p for p in present
                        if p.startswith('include/uapi/drm/vsvm')])
    sections = [('DRM MULTI-DEVICE SHARED VIRTUAL MEMORY HELPERS', fw),
                ('DRM DRIVER FOR VSVM EMULATED GPUS', drv)]
    lines = text.split('\n')
    for title, files in sections:
        if not files:
            continue
        entry = [title, 'M:\t%s <%s>' % (AUTHOR_NAME, AUTHOR_EMAIL),
                 'L:\t' + LIST, 'S:\tMaintained']
        entry += ['F:\t' + f for f in files] + ['']
        # Before the first section title that sorts after ours.
        at = None
        for i in range(len(lines) - 1):
            if (lines[i] and re.match(r'^[A-Z]:\t', lines[i + 1]) and
                    not re.match(r'^[A-Z]:\t', lines[i]) and
                    lines[i] > title and i > 0 and lines[i - 1] == '' and
                    lines[i].startswith('DRM')):
                at = i
                break
        if at is None:
            die('MAINTAINERS: no place for ' + title)
        lines[at:at] = entry
    return '\n'.join(lines)


def kunit_symbols(kbuild):
    """{test object: its Kconfig symbol} from tests/kunit/Kbuild."""
    return {m.group(2): m.group(1) for m in
            re.finditer(r'(?m)^obj-\$\(CONFIG_(\w+)\)\s*\+=\s*(\w+)\.o$',
                        kbuild)}


def generate(ksrc, work, present, kconf):
    """Write the kernel files derived from the tree into work."""
    # Kconfig.
    kc = read(os.path.join(ksrc, 'drivers/gpu/drm/Kconfig'))
    _, blocks, order = kconfig_blocks('drivers/gpu/drm/Kconfig.msvm')
    add = ''.join(blocks[n] + '\n' for n in order if n in kconf)
    if add:
        kc = insert_before(kc, '\nconfig DRM_BUDDY\n', '\n' + add.rstrip('\n') + '\n',
                           'Kconfig')
    if 'DRM_VSVM' in kconf:
        kc = insert_after(kc, 'source "drivers/gpu/drm/vkms/Kconfig"\n',
                          '\nsource "drivers/gpu/drm/vsvm/Kconfig"\n',
                          'Kconfig')
        header, vblocks, vorder = kconfig_blocks('drivers/gpu/drm/vsvm/Kconfig')
        write(os.path.join(work, 'drivers/gpu/drm/vsvm/Kconfig'),
              header + '\n'.join(vblocks[n] for n in vorder if n in kconf))
    write(os.path.join(work, 'drivers/gpu/drm/Kconfig'), kc)

    objs = {os.path.splitext(os.path.basename(p))[0] for p in present
            if p.endswith('.c')}

    # drivers/gpu/drm/Makefile: the framework, and the vsvm directory.
    mk = read(os.path.join(ksrc, 'drivers/gpu/drm/Makefile'))
    if 'DRM_MSVM' in kconf:
        fw = to_makefile(read(os.path.join(TOP, 'drivers/gpu/drm/Kbuild')),
                         objs, lambda v, o: not o.endswith('/'), [])
        fw = '\n'.join(l for l in fw.split('\n') if not l.startswith('# SPDX'))
        mk = insert_after(mk, 'obj-$(CONFIG_DRM_BUDDY) += drm_buddy.o\n',
                          fw.rstrip('\n') + '\n', 'drm Makefile')
    if 'DRM_VSVM' in kconf:
        mk = insert_after(mk, 'obj-$(CONFIG_DRM_VKMS)\t+= vkms/\n',
                          'obj-$(CONFIG_DRM_VSVM) += vsvm/\n', 'drm Makefile')
        vs = to_makefile(read(os.path.join(TOP, 'drivers/gpu/drm/vsvm/Kbuild')),
                         objs, lambda v, o: True, [])
        if 'DRM_VSVM_KUNIT_TEST' in kconf:
            vs += '\nobj-$(CONFIG_DRM_VSVM_KUNIT_TEST) += tests/\n'
        write(os.path.join(work, 'drivers/gpu/drm/vsvm/Makefile'), vs)
    write(os.path.join(work, 'drivers/gpu/drm/Makefile'), mk)

    # KUnit Makefiles.
    tk = read(os.path.join(TOP, 'tests/kunit/Kbuild'))
    tmk = read(os.path.join(ksrc, 'drivers/gpu/drm/tests/Makefile'))
    # The framework's suites, grouped by the symbol that builds them.
    syms = kunit_symbols(tk)
    tests = sorted(o for o in objs if o.startswith('drm_') and
                   o.endswith('_test'))
    for o in tests:
        if o not in syms:
            die('tests/kunit/Kbuild does not build %s.o' % o)
    block = ''
    for sym in sorted({syms[o] for o in tests} & set(kconf)):
        t = [o + '.o' for o in tests if syms[o] == sym]
        if len(t) == 1:
            block += 'obj-$(CONFIG_%s) += %s\n' % (sym, t[0])
        else:
            block += 'obj-$(CONFIG_%s) += \\\n\t%s\n' % \
                (sym, ' \\\n\t'.join(t))
    if block:
        tmk = insert_before(tmk, '\nCFLAGS_drm_mm_test.o', '\n' + block,
                            'drm tests Makefile')
    write(os.path.join(work, 'drivers/gpu/drm/tests/Makefile'), tmk)
    if 'DRM_VSVM_KUNIT_TEST' in kconf:
        vt = to_makefile(tk, objs,
                         lambda v, o: o.startswith('vsvm_'),
                         [('$(KBUILD_EXTMOD)/drivers/gpu/drm/vsvm', '$(src)/..')])
        write(os.path.join(work, 'drivers/gpu/drm/vsvm/tests/Makefile'), vt)

    # Documentation index and MAINTAINERS.
    idx = read(os.path.join(ksrc, 'Documentation/gpu/index.rst'))
    if 'Documentation/gpu/drm-msvm.rst' in present:
        idx = insert_after(idx, '   drm-mm\n', '   drm-msvm\n', 'gpu index')
    write(os.path.join(work, 'Documentation/gpu/index.rst'), idx)
    write(os.path.join(work, 'MAINTAINERS'),
          maintainers(read(os.path.join(ksrc, 'MAINTAINERS')), present, kconf))


def git(work, *args, stdin=None):
    e = dict(os.environ, GIT_AUTHOR_NAME=AUTHOR_NAME,
             GIT_AUTHOR_EMAIL=AUTHOR_EMAIL, GIT_COMMITTER_NAME=AUTHOR_NAME,
             GIT_COMMITTER_EMAIL=AUTHOR_EMAIL,
             GIT_AUTHOR_DATE='2026-01-01T00:00:00Z',
             GIT_COMMITTER_DATE='2026-01-01T00:00:00Z')
    return subprocess.run(['git', '-c', 'core.autocrlf=false', '-c',
                           'commit.gpgsign=false', *args], cwd=work,
                          check=True, capture_output=True, text=True,
                          input=stdin, env=e).stdout


def main():
    if len(sys.argv) != 3:
        die('usage: mkseries.py KSRC OUTDIR')
    ksrc, outdir = sys.argv[1], os.path.abspath(sys.argv[2])
    cover, patches = parse_series()

    # Every kernel file of the tree is in exactly one patch.
    listed = [f for p in patches for f in p['files']]
    for f in listed:
        if not os.path.exists(os.path.join(TOP, f)):
            die('series names %s, which the tree does not have' % f)
    dup = {f for f in listed if listed.count(f) > 1}
    if dup:
        die('in more than one patch: ' + ' '.join(sorted(dup)))
    missing = sorted(set(tree_files()) - set(listed))
    if missing:
        die('in no patch of tools/patches/series: ' + ' '.join(missing))

    work = os.path.join(outdir, '.work')
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(work)
    git(work, 'init', '-q')
    for f in KERNEL_FILES:
        write(os.path.join(work, f), read(os.path.join(ksrc, f)))
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', 'base: the files the series changes')

    present, kconf = [], []
    for p in patches:
        for f in p['files']:
            kp = kernel_path(f)
            present.append(kp)
            os.makedirs(os.path.dirname(os.path.join(work, kp)), exist_ok=True)
            shutil.copyfile(os.path.join(TOP, f), os.path.join(work, kp))
        kconf += p['kconfig']
        generate(ksrc, work, present, kconf)
        git(work, 'add', '-A')
        git(work, 'commit', '-q', '-F', '-',
            stdin='%s\n\n%s\n%s\n' % (p['subject'], p['body'], SIGNOFF))

    git(work, 'format-patch', '-q', '--cover-letter', '--no-signature',
        '--to=' + LIST, '-o', outdir, 'HEAD~%d' % len(patches))
    cl = os.path.join(outdir, '0000-cover-letter.patch')
    text = read(cl)
    text = text.replace('*** SUBJECT HERE ***', cover['subject'])
    text = text.replace('*** BLURB HERE ***', cover['body'].rstrip('\n') +
                        '\n\n' + SIGNOFF)
    write(cl, text)
    shutil.rmtree(work)
    print('mkseries: %d patches and a cover letter in %s' %
          (len(patches), outdir))


if __name__ == '__main__':
    main()
