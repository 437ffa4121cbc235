// zlib, for request bodies sent with Content-Encoding: gzip (botocore compresses PutMetricData).
#include <zlib.h>
