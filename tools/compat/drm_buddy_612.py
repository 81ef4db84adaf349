#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write mainline 6.12's include/drm/drm_buddy.h API from Debian's 6.12.

    drm_buddy_612.py KSRC > drm_buddy.h

Debian's linux-source-6.12 carries the buddy allocator of later kernels as
gpu_buddy_* in include/linux/gpu_buddy.h, with the DRM print helpers left
in include/drm/drm_buddy.h. Mainline 6.12 has it all in
include/drm/drm_buddy.h, as drm_buddy_*, in its older layout. This takes
Debian's header and undoes each change since 6.12 that a user of the API
can see; each must be found, or the script fails (the source changed and
this needs a look).
"""

import re
import sys


def die(msg):
    sys.stderr.write('drm_buddy_612: %s\n' % msg)
    sys.exit(1)


def sub(text, pattern, repl, what, flags=re.S):
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n == 0:
        die('not found: ' + what)
    return new


def main():
    if len(sys.argv) != 2:
        die('usage: drm_buddy_612.py KSRC')
    with open(sys.argv[1] + '/include/linux/gpu_buddy.h',
              encoding='utf-8') as f:
        text = f.read()

    # The names: drm_buddy_*, DRM_BUDDY_*, drm_get_buddy().
    text = text.replace('gpu_get_buddy', 'drm_get_buddy')
    text = text.replace('gpu_buddy', 'drm_buddy')
    text = text.replace('GPU_BUDDY', 'DRM_BUDDY')

    # 6.12 keeps its free blocks in one list per order, not in rb-trees
    # split by clear state.
    text = sub(text, r'#include <linux/rbtree.h>\n', '', 'rbtree.h')
    text = sub(text, r'enum drm_buddy_free_tree \{.*?\};\n\n'
               r'#define for_each_free_tree\(tree\).*?\n\n', '',
               'the free tree enum')
    text = sub(text, r'union \{\n\t\tstruct rb_node rb;\n'
               r'\t\tstruct list_head link;\n\t\};',
               'struct list_head link;', 'the block link union')
    text = sub(text, r'struct rb_root \*\*free_trees;',
               'struct list_head *free_list;', 'the free trees')

    # drm_buddy_block_offset() takes a block that is not const.
    text = sub(text, r'drm_buddy_block_offset\(const struct drm_buddy_block',
               'drm_buddy_block_offset(struct drm_buddy_block',
               'const drm_buddy_block_offset()')

    # drm_buddy_reset_clear() came after 6.12.
    text = sub(text, r'void drm_buddy_reset_clear\([^;]*\);\n\n', '',
               'drm_buddy_reset_clear()')

    # The print helpers are the DRM ones, with a drm_printer.
    text = sub(text, r'void drm_buddy_print\(struct drm_buddy \*mm\);\n'
               r'void drm_buddy_block_print\(struct drm_buddy \*mm,\n'
               r'\t\t\t   struct drm_buddy_block \*block\);\n',
               'void drm_buddy_print(struct drm_buddy *mm, '
               'struct drm_printer *p);\n'
               'void drm_buddy_block_print(struct drm_buddy *mm,\n'
               '\t\t\t   struct drm_buddy_block *block,\n'
               '\t\t\t   struct drm_printer *p);\n',
               'the print helpers')

    for left in ('gpu_', 'GPU_', 'rb_'):
        if left in text:
            die('%s left in the header' % left)
    sys.stdout.write(text)


if __name__ == '__main__':
    main()
