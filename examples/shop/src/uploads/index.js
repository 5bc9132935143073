// Make thumbnails of uploaded images (S3 ObjectCreated events).
const { execSync, execFileSync } = require("child_process");
const AWS = require("aws-sdk");

const s3 = new AWS.S3();

exports.handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    // P2: the object key is attacker-controlled and no WAF ever sees it
    execSync(`convert /tmp/in "/tmp/${key}.png"`);
    await s3.getObject({ Bucket: record.s3.bucket.name, Key: key }).promise();
    // Safe twins: an argument array without a shell, and a key checked against an
    // allow-list pattern before it reaches a shell.
    execFileSync("convert", ["/tmp/in", `/tmp/${key}.png`]);
    if (/^[\w\-\/]+\.(png|jpe?g)$/.test(key)) {
      execSync(`identify "/tmp/${key}"`);
    }
  }
  return { ok: true };
};
