/** JSON Pointers into a resource (`/spec/task/2/runAfter/0`) as Kubernetes field paths (`spec.task[2].runAfter[0]`). */
export function fieldPath(pointer: string): string {
  if (pointer === '') return '';
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(token)) path += `[${token}]`;
    else path += path === '' ? token : `.${token}`;
  }
  return path;
}
