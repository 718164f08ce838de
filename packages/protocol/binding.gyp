{
  "targets": [
    {
      "target_name": "tributary_crc32c",
      "sources": ["native/crc32c.c", "native/crc32c_fold.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] }
    }
  ]
}
