/**
 * A resolved CloudFormation value (`stack.resolve(token)`) as cdk-nag names it in finding IDs, e.g.
 * `<StateBucket1234.Arn>/incidents/*` for an object ARN: what an acknowledgement's
 * `AwsSolutions-IAM5[Resource::…]` must say.
 */
export function renderForNag(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (v?.Ref) return `<${v.Ref}>`;
  if (v?.['Fn::GetAtt']) return `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>`;
  if (v?.['Fn::Join']) return v['Fn::Join'][1].map(renderForNag).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}
